/// How multi-head attention is computed.
public enum AttentionVariant: String, Sendable, CaseIterable {
    /// Per head: `Q·Kᵀ` and `P·V` as `linear` matmuls around `softmaxRows`; fastest on CPU
    /// devices (lavapipe), O(seq²) scratch memory.
    case matmul
    /// One fused kernel (`attentionSplit`) with keys split across a workgroup; no O(seq²)
    /// scratch.
    case fused
}

/// How row reductions (LayerNorm, softmax) share a row among invocations.
public enum RowReduction: String, Sendable, CaseIterable {
    /// 64 invocations per row, reduced through shared memory with barriers: for GPUs.
    case workgroup
    /// 8 invocations (one lavapipe subgroup: the SIMD lanes of one thread) per row, reduced with
    /// subgroup operations and read by device address; no barriers. For CPU devices.
    case lanes
}

/// The kernel variants and limits of one device, chosen from its properties in one table
/// (`init(device:)`); ops and models read their choices from `VulkanDevice.kernelProfile`.
///
/// | device kind | linear | fp16 weights | row reductions | attention | loop iterations per invocation |
/// | --- | --- | --- | --- | --- | --- |
/// | CPU (lavapipe, llvmpipe) with device addresses | `texels` (16×32 tile; `lanes` for `[k, n]` weights) | 8 per RGBA32UI texel (`linear_texels_h8`) | `lanes` | `matmul`, softmax fused (`BlockSoftmax`) | 65 000 |
/// | CPU without device addresses | `texels` (`registerBlocked` for `[k, n]` weights) | as above | `workgroup` | `matmul`, softmax fused | 65 000 |
/// | GPUs and others | `sharedMemoryTiled` | `float16_t` storage (`linear_tiled_f16`) with `storageBuffer16BitAccess` | `workgroup` | `fused` | unlimited |
public struct KernelProfile: Sendable, Equatable {
    /// The matmul kernel `linear` runs when none is asked for.
    public var linear: LinearVariant
    /// The register tile of the `lanes` linear kernel.
    public var laneTile = LaneTile(rows: 8, columnsPerLane: 2)
    /// The register tile of the `texels` linear kernel (rows 8 or 16). 16×32 (64 accumulators per
    /// lane, more than the 32 vector registers, so some live in L1) was the fastest tile on every
    /// EoMT-S and EoMT-L shape, fp32 and fp16 weights, on 2 Zen 4 cores (Mesa 25.0.7, 2026-12-04,
    /// `GPUBench --filter linear --tiles 16x2,16x3,16x4,16x5,16x6`, two runs): k = 384 projections
    /// 41–47 GFLOP/s against 34–41 for 16×24 and 30–35 for 16×16; P·V (k = 1808) 44–49 against
    /// 32–37; k = 1024 and 4096 25–37 against 22–36. 16×40 and 16×48 were slower again. (An older
    /// kernel, which kept every X texel live, ran best at 16×16.)
    public var texelTile = LaneTile(rows: 16, columnsPerLane: 4)
    /// The `texels` tile for short reductions (`k` ≤ 512: attention scores over a 64-wide head, the
    /// projections of hidden sizes up to 512), where a workgroup's fixed cost weighs more. Since
    /// the 16×32 tile it is the same tile: Q·Kᵀ over a 64-wide head ran at 28–33 GFLOP/s against
    /// 24–30 for 16×24 (2026-12-04); `EomtBench --tiles` still sets the two apart.
    public var texelTileShortK = LaneTile(rows: 16, columnsPerLane: 4)

    /// The `texels` tile for a reduction over `k`.
    public func texelTile(k: Int) -> LaneTile { k <= 512 ? texelTileShortK : texelTile }

    /// The register tile `variant` runs with over `k` (nil for the variants without one).
    public func tile(for variant: LinearVariant, k: Int) -> LaneTile? {
        switch variant {
        case .texels: texelTile(k: k)
        case .lanes: laneTile
        case .registerBlocked, .sharedMemoryTiled: nil
        }
    }
    /// The row stride (in elements) a `[n, k]` weight should be stored with for the `texels`
    /// kernel: `k`, or `k` plus one cache line (16 floats, 32 halves) when a row's byte length is a
    /// multiple of 1 KiB. Such rows start in the same few of the L1's 64 sets (a 4 KiB way), so
    /// the 32 rows a workgroup walks in step evict one another: on 2 Zen 4 cores (Mesa 25.0.7,
    /// 2026-12-04, `GPUBench --filter padded`) EoMT-S fc2 (k = 1536) ran at 35.6 GFLOP/s with
    /// `k`-long rows and 46.9 with padded ones, EoMT-L fc1 (k = 1024) 25.7 against 42.4; k = 384
    /// rows (1536 bytes, 8 distinct sets) gained nothing. Other kernels and layouts read `k`.
    public func weightRowStride(k: Int, element: ElementType) -> Int {
        let texelRead = element == .float32 ? k % 4 == 0 : k % 8 == 0 && halfWeightTexels
        guard padsWeightRows, linear == .texels, !linearWeightsInputMajor, texelRead,
              (k * element.bytes) % 1024 == 0 else { return k }
        return k + 64 / element.bytes
    }
    /// The row stride (floats) for an fp32 activation buffer that a `texels` product reads with
    /// rows `k` long: padded by the rule of `weightRowStride` (the rows a workgroup reads in step
    /// thrash the L1 the same way).
    public func activationRowStride(k: Int) -> Int { weightRowStride(k: k, element: .float32) }
    /// Whether `weightRowStride` pads rows at all (benchmarks turn it off for A/B runs).
    public var padsWeightRows = true
    /// Whether the `texels` kernel reads fp16 weights as texels (RGBA16F texel buffers); without
    /// them fp16 weights go to the shared-memory kernel, which reads `k`-long rows.
    public var halfWeightTexels = false
    /// Whether `linear` can read fp16 weights on this device (`model.precision: fp16`): the
    /// `texels` kernel needs RGBA16F texel buffers, the shared-memory one `storageBuffer16BitAccess`.
    public var halfWeights = false
    /// How LayerNorm and softmax reduce a row.
    public var rowReduction = RowReduction.workgroup
    /// How a model should compute attention.
    public var attention: AttentionVariant
    /// Whether models should store linear weights `[in, out]` (`weightTransposed`), the layout
    /// whose rows the `lanes` kernel reads as vectors, instead of PyTorch's `[out, in]`.
    public var linearWeightsInputMajor: Bool { linear == .lanes }
    /// One line per variant this device had to give up for a slower one because it lacks a
    /// feature (logged once when a pipeline starts); empty when it runs the best variants.
    public var fallbacks: [String] = []
    /// Loop iterations one shader invocation may run. lavapipe's LLVM backend silently ends
    /// an invocation's loops after 65535 iterations in total, so ops whose per-invocation
    /// loops grow with a dimension check against it.
    public var loopIterationBudget: Int

    /// The profile of a device with these properties.
    public init(device: DeviceInfo) {
        switch device.kind {
        case .cpu:
            let addresses = device.supportsBufferDeviceAddress
            self.init(linear: .texels, attention: .matmul, loopIterationBudget: 65_000)
            rowReduction = addresses ? .lanes : .workgroup
            if !addresses {
                fallbacks.append("'\(device.name)' lacks bufferDeviceAddress (Vulkan 1.2): LayerNorm and softmax use the "
                    + "workgroup kernels and [k, n] matmuls the registerBlocked one instead of the 8-lane kernels")
            }
        case .discreteGPU, .integratedGPU, .virtualGPU, .other:
            self.init(linear: .sharedMemoryTiled, attention: .fused, loopIterationBudget: .max)
        }
        halfWeightTexels = linear == .texels && device.supportsFP16Texels
        halfWeights = linear == .texels ? device.supportsFP16Texels || device.supportsFP16Storage
            : device.supportsFP16Storage
    }

    /// A profile with explicit choices (tests, benchmarks).
    public init(linear: LinearVariant, attention: AttentionVariant, loopIterationBudget: Int) {
        self.linear = linear
        self.attention = attention
        self.loopIterationBudget = loopIterationBudget
    }
}

extension DeviceInfo {
    /// The kernel variants `KernelProfile(device:)` picks for this device, in one line
    /// (`maskstream devices`).
    public var kernelSummary: String {
        let p = KernelProfile(device: self)
        let tile = p.tile(for: p.linear, k: .max).map { " \($0)" } ?? ""
        return "linear \(p.linear)\(tile), row reductions \(p.rowReduction), attention \(p.attention), "
            + "fp16 weights \(p.halfWeights ? "yes" : "no")"
    }
}
