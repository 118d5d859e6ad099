/// How multi-head attention is computed.
public enum AttentionVariant: String, Sendable, CaseIterable {
    /// Per head: `Q·Kᵀ` and `P·V` as `linear` matmuls around `softmaxRows`; fastest on CPU
    /// devices (lavapipe), O(seq²) scratch memory.
    case matmul
    /// One fused kernel (`attentionSplit`) with keys split across a workgroup; no O(seq²)
    /// scratch.
    case fused
}

/// The kernel variants and limits of one device, chosen from its properties in one table
/// (`init(device:)`); ops and models read their choices from `VulkanDevice.kernelProfile`.
///
/// | device kind | linear | attention | loop iterations per invocation |
/// | --- | --- | --- | --- |
/// | CPU (lavapipe, llvmpipe) | `registerBlocked` | `matmul` | 65 000 |
/// | GPUs and others | `sharedMemoryTiled` | `fused` | unlimited |
public struct KernelProfile: Sendable, Equatable {
    /// The matmul kernel `linear` runs when none is asked for.
    public var linear: LinearVariant
    /// How a model should compute attention.
    public var attention: AttentionVariant
    /// Loop iterations one shader invocation may run. lavapipe's LLVM backend silently ends
    /// an invocation's loops after 65535 iterations in total, so ops whose per-invocation
    /// loops grow with a dimension check against it.
    public var loopIterationBudget: Int

    /// The profile of a device with these properties.
    public init(device: DeviceInfo) {
        switch device.kind {
        case .cpu: self.init(linear: .registerBlocked, attention: .matmul, loopIterationBudget: 65_000)
        case .discreteGPU, .integratedGPU, .virtualGPU, .other:
            self.init(linear: .sharedMemoryTiled, attention: .fused, loopIterationBudget: .max)
        }
    }

    /// A profile with explicit choices (tests, benchmarks).
    public init(linear: LinearVariant, attention: AttentionVariant, loopIterationBudget: Int) {
        self.linear = linear
        self.attention = attention
        self.loopIterationBudget = loopIterationBudget
    }
}

extension VulkanDevice {
    /// The kernel variants this device runs.
    public var kernelProfile: KernelProfile { KernelProfile(device: info) }
}
