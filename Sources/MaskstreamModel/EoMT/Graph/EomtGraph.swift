import Foundation
import MaskstreamGPU

/// The EoMT forward pass entirely in Vulkan compute shaders: weights are uploaded once, the
/// whole pass (patch embedding → layers → final norm → heads → upscale → mask projection) is
/// recorded once into one command sequence and re-submitted for every frame.
///
/// Activations are row-major `[tokens, hidden]`; the query tokens sit in rows `0..<Q` of the
/// token buffer from the start and the layers before the first query layer run on the rows
/// after them, which is transformers' concatenation without a copy. The upscale block runs
/// channel-first (`[hidden, h, w]`) as PyTorch does.
///
/// Each lane (its own buffers and recorded command sequence) holds one frame in flight:
/// `submit(lane:…)` runs device preprocessing, the forward pass and mask post-processing in
/// one command buffer, `collect(lane:)` reads the results back. `forward(pixels:)` runs the
/// pass alone on host-prepared pixels, in a lane of its own (parity tests, benchmarks).
///
/// ```swift
/// let graph = try EomtGraph(config: model.config, weights: model.weights, device: device)
/// let raw = try graph.forward(pixels: pixels)   // logits, as transformers' forward
/// ```
///
/// Not thread-safe by itself: one thread at a time may call `forward(pixels:)`, and each lane
/// is used by one caller at a time (`EomtModel` hands lanes out).
public final class EomtGraph {
    let config: EomtConfig
    let device: VulkanDevice
    /// How the linear weights are stored: `.fp32` or `.fp16` (`.auto` resolved).
    public let precision: ModelPrecision
    private let attention: AttentionPlan
    /// Whether the linear weights are stored `[in, out]` (the device's linear kernel reads them
    /// that way) instead of PyTorch's `[out, in]`.
    private let weightsInputMajor: Bool
    /// Whether the `texels` kernel's strided matmuls (`batchedLinear`) run the attention heads
    /// and the upscale convolutions in place (CPU devices; whole texels of the hidden size).
    private let stridedMatmuls: Bool
    /// Row strides (elements) of the linear weights: over the patch pixels (patch embedding), the
    /// hidden size (q, k, v, out, fc1, heads, upscale taps) and the MLP width (fc2), padded where
    /// `KernelProfile.weightRowStride` says rows of exactly `k` would thrash the L1 (e.g. k = 768,
    /// 1024 or 1536 fp32 on lavapipe).
    private let weightRows: (patch: Int, hidden: Int, mlp: Int)
    private let w: WeightSlices
    /// The `forward(pixels:)` lane: host im2col, no pre/post-processing on the device.
    private var pixelLane: Lane?
    /// Frame lanes: device preprocessing + forward + post-processing, one batch each.
    private let lanes: [Lane]
    /// The most frames a frame lane takes at once.
    let batch: Int
    /// The class probability below which the frame path computes no mask for a query (a little
    /// below the score threshold the caller keeps instances at; 0: every query).
    private let maskCandidateThreshold: Float

    /// Weights on the device, uploaded once and shared by every lane.
    private struct WeightSlices {
        struct Layer {
            var n1g, n1b, qkvW, qkvB, outW, outB, ls1, n2g, n2b, ls2: BufferSlice
            var up1W, up1B, downW, downB: BufferSlice
        }
        var patchW, patchB, pos, initRows: BufferSlice
        var layers: [Layer]
        var finalG, finalB, classW, classB: BufferSlice
        var head: [(BufferSlice, BufferSlice)]
        var ups: [(taps: [BufferSlice], bias: BufferSlice, dw: BufferSlice, lnG: BufferSlice, lnB: BufferSlice)]
    }

    /// One batch's device buffers (room for `capacity` frames) and its recorded command
    /// sequence. Activations are `[frame, tokens, hidden]`; the scratch of the attention and the
    /// upscale block is one frame's, reused frame after frame.
    private final class Lane {
        let capacity: Int
        let sequence: CommandSequence
        let patches, x, normed, qkv, attn, hidden, mid, classLogits, qa, qb, featCL, upCL, chw, taps, masks: GPUBuffer
        /// Batches of several frames: the layers before the first query layer run on
        /// `[frame, prefix + patches]` rows here (`x` has query rows between the frames), and the
        /// final-normed query tokens are gathered here `[frame, queries]` for the heads.
        let imageRows, queryRows: GPUBuffer
        let attention: AttentionScratch
        /// Frame-size dependent buffers (frame path only), one per frame of the recorded batch.
        var sized: [SizedBuffers] = []
        /// The frame path's shared crop scratch (`SizedBuffers` of every frame use it in turn).
        var crop: GPUBuffer?

        init(config c: EomtConfig, device: VulkanDevice, attention: AttentionPlan, stridedUpscale: Bool,
             capacity: Int) throws {
            let h = c.hiddenSize, q = c.numQueries, total = c.numQueries + c.numPrefixTokens + c.numPatches
            let mlp = c.mlpHiddenSize, m = c.maskSize, b = capacity
            func scratch(_ count: Int) throws -> GPUBuffer { try device.makeBuffer(count: max(count, 1)) }
            self.capacity = capacity
            sequence = try device.makeSequence()
            patches = try scratch(b * c.numPatches * 3 * c.patchSize * c.patchSize)
            x = try scratch(b * total * h)
            normed = try scratch(b * total * h)
            qkv = try scratch(b * total * 3 * h)
            attn = try scratch(b * total * h)
            hidden = try scratch(b * total * (c.useSwiGLU ? 2 * mlp : mlp))
            mid = try scratch(c.useSwiGLU ? b * total * mlp : 1)
            classLogits = try scratch(b * q * (c.labels.count + 1))
            qa = try scratch(b * q * h)
            qb = try scratch(b * q * h)
            imageRows = try scratch(b > 1 ? b * (c.numPrefixTokens + c.numPatches) * h : 1)
            queryRows = try scratch(b > 1 ? b * q * h : 1)
            featCL = try scratch(h * m * m)
            // The transposing upscale path's scratch, unused when the convolutions write in place.
            upCL = try scratch(stridedUpscale ? 1 : h * m * m)
            chw = try scratch(h * m * m)
            taps = try scratch(stridedUpscale ? 1 : h * m * m / 2)
            let d = c.headDim
            switch attention {
            case .fused: self.attention = .fused
            case .perHead:
                self.attention = .perHead(q: try scratch(total * d), k: try scratch(total * d),
                                          v: try scratch(total * d), o: try scratch(total * d),
                                          scores: try scratch(total * total))
            case let .batched(headsPerBatch, keyStride):
                let vt = try scratch(h * keyStride)
                try vt.upload([Float](repeating: 0, count: h * keyStride)) // the key padding stays finite
                let blocks = BlockSoftmax.blocks(n: total, tile: device.kernelProfile.texelTile(k: c.headDim))
                self.attention = .batched(vt: vt, scores: try scratch(headsPerBatch * total * keyStride),
                                          inverseSums: try scratch(headsPerBatch * total),
                                          partials: try scratch(2 * headsPerBatch * total * blocks),
                                          headsPerBatch: headsPerBatch, keyStride: keyStride)
            }
            masks = try scratch(b * q * m * m)
        }
    }

    /// How a lane computes attention: `AttentionVariant.fused` as one kernel; `.matmul` as
    /// batched strided matmuls over all heads (`batchedLinear`, CPU devices' `texels` kernel:
    /// no per-head copies) or, where that kernel cannot run, per head around copied Q, K and V.
    enum AttentionPlan: Equatable {
        case fused
        case perHead
        /// `headsPerBatch` heads' score matrices at once, rows `keyStride` floats (the token
        /// count rounded up to whole texels) apart.
        case batched(headsPerBatch: Int, keyStride: Int)
    }

    /// A lane's attention scratch for its `AttentionPlan`.
    private enum AttentionScratch {
        case fused
        case perHead(q: GPUBuffer, k: GPUBuffer, v: GPUBuffer, o: GPUBuffer, scores: GPUBuffer)
        /// `vt`: Vᵀ `[hidden, keyStride]`; `scores`: `[headsPerBatch, tokens, keyStride]`, left
        /// unnormalized by the softmax, whose `1 / Σ` per row (`inverseSums`) scales P·V's rows;
        /// `partials`: the fused softmax's per-block maxima and sums (`BlockSoftmax`).
        case batched(vt: GPUBuffer, scores: GPUBuffer, inverseSums: GPUBuffer, partials: GPUBuffer,
                     headsPerBatch: Int, keyStride: Int)
    }

    /// One frame's buffers that depend on its size: the RGB8 frame, resampling tables and
    /// intermediate samples, the normalization LUT, and the post-processing outputs.
    private struct SizedBuffers {
        var width, height: Int
        var rgb, samples, tables, lut, maskTaps, bits, partials: GPUBuffer
        /// Floats of `maskTaps` that hold the crop taps (the rest: the resize to frame size).
        var cropTaps: Int
        /// The queries the mask kernels ran for (the others' `bits` and `partials` are stale).
        var selection: MaskSelection
        var words: Int { MaskBits.words(height: height, width: width) }
        var groups: Int { MaskBits.groups(height: height, width: width) }
    }

    /// Uploads the weights and allocates `lanes` frame lanes (`EomtModel` checks the count);
    /// sequences are recorded on first use. `attention` defaults to the device's
    /// `kernelProfile`.
    public init(config c: EomtConfig, weights w: EomtWeights, device: VulkanDevice, attention: AttentionVariant? = nil,
                lanes: Int = 1, batch: Int = 1, scoreThreshold: Float = 0,
                precision: ModelPrecision = .fp32) throws {
        guard precision != .fp16 || device.kernelProfile.halfWeights else {
            throw MaskstreamError(.config,
                "model.precision fp16: '\(device.info.name)' has neither RGBA16F texel buffers nor "
                    + "storageBuffer16BitAccess, so its linear kernels cannot read fp16 weights: use fp32")
        }
        let resolved = Self.resolve(precision, weights: w, device: device)
        self.precision = resolved
        let weightElement: ElementType = resolved == .fp16 ? .float16 : .float32
        // HF's score is the class probability times a mask mean ≤ 1: queries below the threshold
        // in probability alone are never kept. The margin covers the device's exp rounding.
        maskCandidateThreshold = scoreThreshold > 1e-3 ? scoreThreshold - 1e-3 : 0
        let mode = attention ?? device.kernelProfile.attention
        self.config = c
        self.device = device
        let h = c.hiddenSize
        // Slices hold their buffers, so the weights live as long as `w`.
        func upload(_ values: [Float]) throws -> BufferSlice {
            try device.makeBuffer(values.isEmpty ? [0] : values).all
        }
        // An `nn.Linear` weight `[out, in]`, stored the way this device's linear kernel reads it.
        let inputMajor = device.kernelProfile.linearWeightsInputMajor
        self.weightsInputMajor = inputMajor
        let strided = device.kernelProfile.linear == .texels && !inputMajor && h % 4 == 0
        self.stridedMatmuls = strided
        let plan: AttentionPlan
        if mode == .fused {
            plan = .fused
        } else if strided, c.headDim % 4 == 0 {
            let total = c.numQueries + c.numPrefixTokens + c.numPatches
            let keyStride = (total + 3) / 4 * 4
            let fit = Int(min(device.info.maxStorageBufferRange, UInt64(Int.max))) / 4 / (total * keyStride)
            plan = .batched(headsPerBatch: max(1, min(c.numAttentionHeads, fit)), keyStride: keyStride)
        } else {
            plan = .perHead
        }
        self.attention = plan
        let profile = device.kernelProfile
        let rows = (patch: profile.weightRowStride(k: 3 * c.patchSize * c.patchSize, element: weightElement),
                    hidden: profile.weightRowStride(k: h, element: weightElement),
                    mlp: profile.weightRowStride(k: c.mlpHiddenSize, element: weightElement))
        self.weightRows = rows
        // Linear weights in the model's precision (everything else stays fp32): `[out, in]` rows
        // `stride` elements apart (zeros past `in`) or, for `lanes`, transposed to `[in, out]`.
        func uploadLinear(_ values: [Float], out n: Int, stride: Int) throws -> BufferSlice {
            let k = n > 0 ? values.count / n : 0
            guard n > 0, !values.isEmpty, inputMajor || stride > k else {
                return try device.makeBuffer(values.isEmpty ? [0] : values, element: weightElement).all
            }
            // Element (o, i) goes to o·rowStep + i·columnStep.
            let (rowStep, columnStep) = inputMajor ? (1, n) : (stride, 1)
            var t = [Float](repeating: 0, count: inputMajor ? values.count : n * stride)
            values.withUnsafeBufferPointer { src in
                t.withUnsafeMutableBufferPointer { dst in
                    for o in 0..<n { for i in 0..<k { dst[o * rowStep + i * columnStep] = src[o * k + i] } }
                }
            }
            return try device.makeBuffer(t, element: weightElement).all
        }

        // Weights.
        let patchW = try uploadLinear(w.patchWeight, out: h, stride: rows.patch), patchB = try upload(w.patchBias),
            pos = try upload(w.positionEmbeddings)
        let initRows = try upload(w.queries + w.clsToken + w.registerTokens)
        var layers: [WeightSlices.Layer] = []
        for index in 0..<w.numLayers {
            // One layer's host floats at a time (`EomtWeights` reads layers from the mapped file).
            let l = try w.layer(index)
            let (up1W, up1B, downW, downB): (BufferSlice, BufferSlice, BufferSlice, BufferSlice)
            switch l.mlp {
            case let .gelu(fc1, fc2):
                (up1W, up1B, downW, downB) = (
                    try uploadLinear(fc1.weight, out: c.mlpHiddenSize, stride: rows.hidden), try upload(fc1.bias),
                    try uploadLinear(fc2.weight, out: h, stride: rows.mlp), try upload(fc2.bias)
                )
            case let .swiglu(gate, up, down):
                (up1W, up1B, downW, downB) = (
                    try uploadLinear(gate.weight + up.weight, out: 2 * c.mlpHiddenSize, stride: rows.hidden),
                    try upload(gate.bias + up.bias), try uploadLinear(down.weight, out: h, stride: rows.mlp),
                    try upload(down.bias))
            }
            layers.append(WeightSlices.Layer(
                n1g: try upload(l.norm1.weight), n1b: try upload(l.norm1.bias),
                    qkvW: try uploadLinear(l.q.weight + l.k.weight + l.v.weight, out: 3 * h, stride: rows.hidden),
                    qkvB: try upload(l.q.bias + l.k.bias + l.v.bias),
                outW: try uploadLinear(l.out.weight, out: h, stride: rows.hidden), outB: try upload(l.out.bias),
                    ls1: try upload(l.layerScale1),
                n2g: try upload(l.norm2.weight), n2b: try upload(l.norm2.bias), ls2: try upload(l.layerScale2),
                up1W: up1W, up1B: up1B, downW: downW, downB: downB))
        }
        let finalG = try upload(w.finalNorm.weight), finalB = try upload(w.finalNorm.bias)
        let classW = try uploadLinear(w.classPredictor.weight, out: c.labels.count + 1, stride: rows.hidden),
            classB = try upload(w.classPredictor.bias)
        let head = try w.maskHead.map {
            (try uploadLinear($0.weight, out: h, stride: rows.hidden), try upload($0.bias))
        }
        // ConvTranspose2d 2×2 s2 as two linears, one per kernel row ky: W_ky[(kx·h + o), i] =
        // w[i, o, ky, kx], so one input pixel's output row is [kx = 0 | kx = 1], which is
        // exactly the channels-last layout of output row 2y + ky.
        let ups = try w.upscale.map { b in
            let taps = try (0..<2).map { ky -> BufferSlice in
                var m = [Float](repeating: 0, count: 2 * h * h)
                for kx in 0..<2 {
                    for o in 0..<h {
                        for i in 0..<h { m[(kx * h + o) * h + i] = b.convTWeight[((i * h + o) * 2 + ky) * 2 + kx] }
                    }
                }
                return try uploadLinear(m, out: 2 * h, stride: rows.hidden)
            }
            // The channels-last depthwise kernel (strided path) takes the 3×3 weights tap-major, [9, h].
            let dw = !strided ? b.depthwiseWeight : (0..<(9 * h)).map { i in b.depthwiseWeight[(i % h) * 9 + i / h] }
            return (taps: taps, bias: try upload(b.convTBias + b.convTBias), dw: try upload(dw),
                    lnG: try upload(b.norm.weight), lnB: try upload(b.norm.bias))
        }
        self.w = WeightSlices(patchW: patchW, patchB: patchB, pos: pos, initRows: initRows, layers: layers,
                              finalG: finalG, finalB: finalB, classW: classW, classB: classB, head: head, ups: ups)
        try Self.checkBatch(batch, config: c, device: device)
        self.batch = batch
        self.lanes = try (0..<lanes).map { _ in
            try Lane(config: c, device: device, attention: plan, stridedUpscale: strided, capacity: batch)
        }
    }

    /// Throws a `config` error naming `model.batch` when `batch` frames' largest activation
    /// (the QKV or MLP rows) would not fit one storage-buffer binding of `device`.
    static func checkBatch(_ batch: Int, config c: EomtConfig, device: VulkanDevice) throws {
        let total = c.numQueries + c.numPrefixTokens + c.numPatches
        let widest = max(3 * c.hiddenSize, c.useSwiGLU ? 2 * c.mlpHiddenSize : c.mlpHiddenSize)
        let perFrame = total * widest * 4
        let range = Int(min(device.info.maxStorageBufferRange, UInt64(Int.max)))
        guard batch * perFrame > range else { return }
        throw MaskstreamError(.config,
            "model.batch \(batch): one batch's activations (\(batch * perFrame >> 20) MiB) exceed the "
                + "\(range >> 20) MiB storage-buffer range of '\(device.info.name)': set model.batch to at most "
                + "\(max(1, range / perFrame))")
    }

    /// `.auto` → `.fp16` when every tensor of the checkpoint is F16 and the device reads fp16
    /// weights (nothing is rounded), else `.fp32`; explicit choices stay.
    static func resolve(_ precision: ModelPrecision, weights: EomtWeights, device: VulkanDevice) -> ModelPrecision {
        guard precision == .auto else { return precision }
        return weights.storedTypes == [.f16] && device.kernelProfile.halfWeights ? .fp16 : .fp32
    }

    /// Records the forward pass of `count` frames from `lane.patches` (im2col rows, frame after
    /// frame) to `lane.masks`, `lane.classLogits` and the query embeddings (`queryTokens`).
    ///
    /// One frame keeps transformers' layout without copies: its query rows sit in rows `0..<Q`
    /// of `x`, and the layers before the first query layer run on the rows after them. Several
    /// frames run every token-wise kernel (norms, projections, MLPs) once over all their rows:
    /// the early layers on `[frame, prefix + patches]` rows in `imageRows`, which one strided
    /// copy moves into `x`'s `[frame, queries + prefix + patches]` rows at the first query
    /// layer; attention, the upscale block and the mask projection run frame by frame.
    private func recordForward(_ lane: Lane, count n: Int) throws {
        let c = config, w = self.w
        let h = c.hiddenSize, q = c.numQueries, pre = c.numPrefixTokens, p = c.numPatches
        let total = q + pre + p, imageTokens = pre + p
        let mlp = c.mlpHiddenSize
        let headD = c.headDim
        let seq = lane.sequence
        let (patches, x, normed, qkv, attn, hidden, mid) = (
            lane.patches, lane.x, lane.normed, lane.qkv, lane.attn, lane.hidden, lane.mid
        )
        let (classLogits, qa, qb, featCL, upCL, chw, taps, masks) = (
            lane.classLogits, lane.qa, lane.qb, lane.featCL, lane.upCL, lane.chw, lane.taps, lane.masks
        )
        let wt = weightsInputMajor
        let ws = weightRows
        let (patchW, patchB, pos, initRows, layers) = (w.patchW, w.patchB, w.pos, w.initRows, w.layers)
        let (finalG, finalB, classW, classB, head, ups) = (w.finalG, w.finalB, w.classW, w.classB, w.head, w.ups)
        guard (1...lane.capacity).contains(n) else {
            throw MaskstreamError(.internal, "a lane of \(lane.capacity) frames cannot record \(n)")
        }
        let patchK = 3 * c.patchSize * c.patchSize
        // Where the layers before the first query layer run: frame f's image rows start at
        // `early + f·imageTokens·h`.
        let (earlyBuffer, early) = n == 1 ? (x, q * h) : (lane.imageRows, 0)
        if n == 1 {
            try seq.copy(initRows, to: x.all.slice(offset: 0, count: (q + pre) * h), count: (q + pre) * h)
            try seq.linear(
                x: patches.all, weight: patchW, bias: patchB, y: x.all.slice(offset: (q + pre) * h, count: p * h),
                m: p, n: h, k: patchK, residual: pos, weightTransposed: wt, weightRowStride: ws.patch)
        } else {
            for f in 0..<n {
                try seq.copy(initRows, to: x.all.slice(offset: f * total * h, count: q * h), count: q * h)
                let rows = f * imageTokens * h
                try seq.copy(try initRows.slice(offset: q * h, count: pre * h),
                             to: try earlyBuffer.all.slice(offset: rows, count: pre * h), count: pre * h)
                try seq.linear(
                    x: try patches.all.slice(offset: f * p * patchK, count: p * patchK), weight: patchW, bias: patchB,
                    y: try earlyBuffer.all.slice(offset: rows + pre * h, count: p * h),
                    m: p, n: h, k: patchK, residual: pos, weightTransposed: wt, weightRowStride: ws.patch)
            }
        }
        /// Moves the early layers' rows of several frames between their query rows in `x`.
        func joinQueries() throws {
            guard n > 1 else { return }
            try seq.copyRows(earlyBuffer.all, sourceStride: imageTokens * h,
                             to: try x.all.slice(offset: q * h, count: n * total * h - q * h),
                             destinationStride: total * h, rows: n, cols: imageTokens * h)
        }
        for (idx, l) in layers.enumerated() {
            if idx == c.firstQueryLayer { try joinQueries() }
            let queries = idx >= c.firstQueryLayer
            // This layer's tokens per frame, and where frame 0's start.
            let t = queries ? total : imageTokens
            let xs = queries ? try x.all.slice(offset: 0, count: n * t * h)
                : try earlyBuffer.all.slice(offset: early, count: n * t * h)
            let ns = try normed.all.slice(offset: 0, count: n * t * h)
            try seq.layerNorm(x: xs, gamma: l.n1g, beta: l.n1b, y: ns, rows: n * t, dim: h, eps: c.layerNormEps)
            let qkvS = try qkv.all.slice(offset: 0, count: n * t * 3 * h)
            let a = try attn.all.slice(offset: 0, count: n * t * h)
            let scale = 1 / Float(headD).squareRoot()
            // Kernels after the projections count as "attention" in kernel profiles.
            switch lane.attention {
            case let .batched(vt, scores, inverseSums, partials, headsPerBatch, keyStride):
                // Q·Kᵀ, softmax and P·V for `headsPerBatch` heads per dispatch, reading Q and K in place
                // from [t, 2h] rows and Vᵀ [h, keyStride] (written transposed by its projection). The
                // softmax is fused around the two products (`BlockSoftmax`): Q·Kᵀ writes exp(s − m_b) per
                // column block, P·V rescales the blocks as it reads them; no pass over the scores.
                let d = headD, ks = keyStride
                let tileQK = device.kernelProfile.texelTile(k: d)
                let blocks = BlockSoftmax.blocks(n: t, tile: tileQK)
                let keys = (t + 3) / 4 * 4 // whole texels of this layer's keys (Q·Kᵀ zeroes the padding)
                // Q|K rows padded like weights (2h floats are a multiple of 1 KiB for h = 384, 512, …):
                // the score product walks 48 of them in step.
                let qkRow = device.kernelProfile.activationRowStride(k: 2 * h)
                let qkAll = try qkv.all.slice(offset: 0, count: n * t * qkRow)
                seq.profileScope = "qk"
                try seq.batchedLinear(
                    x: ns, MatrixStrides(row: h), weight: try l.qkvW.slice(offset: 0, count: 2 * h * ws.hidden),
                    MatrixStrides(row: ws.hidden), bias: try l.qkvB.slice(offset: 0, count: 2 * h),
                    y: qkAll, MatrixStrides(row: qkRow), m: n * t, n: 2 * h, k: h)
                for f in 0..<n {
                    let qk = try qkAll.slice(offset: f * t * qkRow, count: t * qkRow)
                    let af = try a.slice(offset: f * t * h, count: t * h)
                    seq.profileScope = "v"
                    try seq.batchedLinear(
                        x: try ns.slice(offset: f * t * h, count: t * h), MatrixStrides(row: h),
                        weight: try l.qkvW.slice(offset: 2 * h * ws.hidden, count: h * ws.hidden),
                        MatrixStrides(row: ws.hidden),
                        bias: try l.qkvB.slice(offset: 2 * h, count: h),
                        y: vt.all, MatrixStrides(row: 1, column: ks), m: t, n: h, k: h)
                    seq.profileScope = "attention"
                    for head0 in stride(from: 0, to: c.numAttentionHeads, by: headsPerBatch) {
                        let nh = min(headsPerBatch, c.numAttentionHeads - head0)
                        let s = try scores.all.slice(offset: 0, count: nh * t * ks)
                        let part = try partials.all.slice(offset: 0, count: 2 * nh * t * blocks)
                        seq.profileScope = "attention/scores"
                        try seq.batchedLinear(
                            x: try qk.slice(offset: head0 * d, count: t * qkRow - head0 * d),
                            MatrixStrides(row: qkRow, batch: d),
                            weight: try qk.slice(offset: h + head0 * d, count: t * qkRow - h - head0 * d),
                            MatrixStrides(row: qkRow, batch: d), y: s, MatrixStrides(row: ks, batch: t * ks),
                            m: t, n: t, k: d, batches: nh, laneTile: tileQK,
                            softmax: .scores(partials: part, scale: scale))
                        let sums = try inverseSums.slice(offset: 0, count: nh * t)
                        seq.profileScope = "attention"
                        try seq.softmaxBlockFactors(partials: part, rows: nh * t, blocks: blocks, inverseSums: sums)
                        seq.profileScope = "attention/values"
                        try seq.batchedLinear(
                            x: s, MatrixStrides(row: ks, batch: t * ks),
                            weight: try vt.slice(offset: head0 * d * ks, count: nh * d * ks),
                            MatrixStrides(row: ks, batch: d * ks),
                            rowScale: sums,
                            y: try af.slice(offset: head0 * d, count: t * h - head0 * d),
                            MatrixStrides(row: h, batch: d),
                            m: t, n: d, k: keys, batches: nh,
                            softmax: .values(factors: part, blocks: blocks, blockWidth: 8 * tileQK.columnsPerLane))
                    }
                }
            case let .perHead(qh0, kh0, vh0, oh0, scores0):
                try seq.linear(x: ns, weight: l.qkvW, bias: l.qkvB, y: qkvS, m: n * t, n: 3 * h, k: h,
                               weightTransposed: wt, weightRowStride: ws.hidden)
                seq.profileScope = "attention"
                let d = headD
                let qh = try qh0.all.slice(offset: 0, count: t * d), kh = try kh0.all.slice(offset: 0, count: t * d)
                let vh = try vh0.all.slice(offset: 0, count: t * d), oh = try oh0.all.slice(offset: 0, count: t * d)
                let scores = try scores0.all.slice(offset: 0, count: t * t)
                for f in 0..<n {
                    let qkvF = try qkvS.slice(offset: f * t * 3 * h, count: t * 3 * h)
                    let af = try a.slice(offset: f * t * h, count: t * h)
                    for head in 0..<c.numAttentionHeads {
                        for (part, dst) in [(0, qh), (1, kh), (2, vh)] {
                            let start = part * h + head * d
                            try seq.copyRows(try qkvF.slice(offset: start, count: t * 3 * h - start),
                                             sourceStride: 3 * h, to: dst, destinationStride: d, rows: t, cols: d)
                        }
                        try seq.linear(x: qh, weight: kh, bias: nil, y: scores, m: t, n: t, k: d)
                        try seq.softmaxRows(scores, rows: t, cols: t, scale: scale)
                        try seq.linear(x: scores, weight: vh, bias: nil, y: oh, m: t, n: d, k: t,
                                       weightTransposed: true)
                        try seq.copyRows(oh, sourceStride: d, to: try af.slice(offset: head * d, count: t * h - head * d),
                                         destinationStride: h, rows: t, cols: d)
                    }
                }
            case .fused:
                try seq.linear(x: ns, weight: l.qkvW, bias: l.qkvB, y: qkvS, m: n * t, n: 3 * h, k: h,
                               weightTransposed: wt, weightRowStride: ws.hidden)
                seq.profileScope = "attention"
                for f in 0..<n {
                    let qkvF = try qkvS.slice(offset: f * t * 3 * h, count: t * 3 * h)
                    try seq.attentionSplit(q: qkvF, k: try qkvF.slice(offset: h, count: t * 3 * h - h),
                                           v: try qkvF.slice(offset: 2 * h, count: t * 3 * h - 2 * h),
                                           out: try a.slice(offset: f * t * h, count: t * h),
                                           seq: t, heads: c.numAttentionHeads, headDim: c.headDim,
                                           rowStride: (3 * h, 3 * h, 3 * h, h))
                }
            }
            let rows = n * t
            seq.profileScope = "out"
            try seq.linear(x: a, weight: l.outW, bias: l.outB, y: xs, m: rows, n: h, k: h, layerScale: l.ls1,
                residual: xs, weightTransposed: wt, weightRowStride: ws.hidden)
            seq.profileScope = ""
            try seq.layerNorm(x: xs, gamma: l.n2g, beta: l.n2b, y: ns, rows: rows, dim: h, eps: c.layerNormEps)
            seq.profileScope = "mlp"
            if c.useSwiGLU {
                let hs = try hidden.all.slice(offset: 0, count: rows * 2 * mlp)
                let ms = try mid.all.slice(offset: 0, count: rows * mlp)
                try seq.linear(x: ns, weight: l.up1W, bias: l.up1B, y: hs, m: rows, n: 2 * mlp, k: h,
                               weightTransposed: wt, weightRowStride: ws.hidden)
                try seq.swiglu(hidden: hs, out: ms, rows: rows, half: mlp)
                try seq.linear(
                    x: ms, weight: l.downW, bias: l.downB, y: xs, m: rows, n: h, k: mlp, layerScale: l.ls2,
                    residual: xs, weightTransposed: wt, weightRowStride: ws.mlp)
            } else {
                let hs = try hidden.all.slice(offset: 0, count: rows * mlp)
                seq.profileScope = "mlp/fc1"
                try seq.linear(x: ns, weight: l.up1W, bias: l.up1B, y: hs, m: rows, n: mlp, k: h, gelu: true,
                    weightTransposed: wt, weightRowStride: ws.hidden)
                seq.profileScope = "mlp/fc2"
                try seq.linear(
                    x: hs, weight: l.downW, bias: l.downB, y: xs, m: rows, n: h, k: mlp, layerScale: l.ls2,
                    residual: xs, weightTransposed: wt, weightRowStride: ws.mlp)
            }
            seq.profileScope = ""
        }
        if c.firstQueryLayer >= layers.count { try joinQueries() }
        let xAll = try x.all.slice(offset: 0, count: n * total * h)
        try seq.layerNorm(
            x: xAll, gamma: finalG, beta: finalB, y: try normed.all.slice(offset: 0, count: n * total * h),
            rows: n * total, dim: h, eps: c.layerNormEps)
        let queryTokens = try queryTokens(lane, count: n)
        if n > 1 {
            try seq.copyRows(normed.all, sourceStride: total * h, to: queryTokens, destinationStride: q * h,
                             rows: n, cols: q * h)
        }
        let nq = n * q
        seq.profileScope = "heads"
        try seq.linear(
            x: queryTokens, weight: classW, bias: classB,
            y: try classLogits.all.slice(offset: 0, count: nq * (c.labels.count + 1)),
            m: nq, n: c.labels.count + 1, k: h, weightTransposed: wt, weightRowStride: ws.hidden)
        let (qaS, qbS) = (try qa.all.slice(offset: 0, count: nq * h), try qb.all.slice(offset: 0, count: nq * h))
        try seq.linear(x: queryTokens, weight: head[0].0, bias: head[0].1, y: qaS, m: nq, n: h, k: h, gelu: true,
            weightTransposed: wt, weightRowStride: ws.hidden)
        try seq.linear(x: qaS, weight: head[1].0, bias: head[1].1, y: qbS, m: nq, n: h, k: h, gelu: true,
            weightTransposed: wt, weightRowStride: ws.hidden)
        try seq.linear(x: qbS, weight: head[2].0, bias: head[2].1, y: qaS, m: nq, n: h, k: h, weightTransposed: wt,
            weightRowStride: ws.hidden)

        // Upscale blocks, frame by frame, channels-last [pixels, h] between blocks (and, on the
        // strided path, inside them; otherwise the depthwise conv runs on CHW). The first block
        // reads the patch tokens in place.
        let maskPixels = c.maskSize * c.maskSize
        seq.profileScope = "upscale"
        for f in 0..<n {
            var side = c.gridSize
            var feat = try normed.all.slice(offset: (f * total + q + pre) * h, count: p * h)
            for (tapW, tapB, dwW, lnG, lnB) in ups.map({ ($0.taps, $0.bias, $0.dw, $0.lnG, $0.lnB) }) {
                let inPixels = side * side, out = 2 * side
                let planes = try chw.all.slice(offset: 0, count: h * out * out)
                let next = try featCL.all.slice(offset: 0, count: h * out * out)
                if stridedMatmuls {
                    // Channels-last throughout, no transposes: the transposed convolution writes its four
                    // taps straight into the upsampled pixels (input pixel (y, x), tap (ky, kx), channel o →
                    // ((2y + ky)·out + 2x + kx)·h + o, lanes writing adjacent channels), and the depthwise
                    // kernel reads and writes [pixels, h] texels.
                    for ky in 0..<2 {
                        for kx in 0..<2 {
                            let start = (ky * out + kx) * h
                            try seq.batchedLinear(
                                x: feat, MatrixStrides(row: h, batch: side * h),
                                weight: try tapW[ky].slice(offset: kx * h * ws.hidden, count: h * ws.hidden),
                                MatrixStrides(row: ws.hidden),
                                bias: try tapB.slice(offset: kx * h, count: h), gelu: true,
                                y: try planes.slice(offset: start, count: h * out * out - start),
                                MatrixStrides(row: 2 * h, batch: 2 * out * h), m: side, n: h, k: h, batches: side)
                        }
                    }
                    try seq.depthwiseConv3x3ChannelsLast(x: planes, weight: dwW, bias: nil, out: next, channels: h,
                                                         height: out, width: out)
                } else {
                    let up = try upCL.all.slice(offset: 0, count: h * out * out)
                    let tmp = try taps.all.slice(offset: 0, count: inPixels * 2 * h)
                    for ky in 0..<2 {
                        try seq.linear(x: feat, weight: tapW[ky], bias: tapB, y: tmp, m: inPixels, n: 2 * h, k: h,
                                       gelu: true, weightTransposed: wt, weightRowStride: ws.hidden)
                        try seq.copyRows(
                            tmp, sourceStride: side * 2 * h,
                            to: try up.slice(offset: ky * out * h, count: h * out * out - ky * out * h),
                            destinationStride: 2 * out * h, rows: side, cols: side * 2 * h)
                    }
                    try seq.transpose(up, out: planes, rows: out * out, cols: h)
                    try seq.depthwiseConv3x3(x: planes, weight: dwW, bias: nil, out: up, channels: h, height: out,
                                             width: out)
                    try seq.transpose(up, out: next, rows: h, cols: out * out)
                }
                try seq.layerNorm(x: next, gamma: lnG, beta: lnB, y: next, rows: out * out, dim: h, eps: 1e-6)
                feat = next
                side = out
            }
            // masks[q, pixel] = Σ_c embed[q, c] · feat[pixel, c]
            seq.profileScope = "masks"
            try seq.linear(x: try qaS.slice(offset: f * q * h, count: q * h), weight: feat, bias: nil,
                           y: try masks.all.slice(offset: f * q * maskPixels, count: q * maskPixels),
                           m: q, n: side * side, k: h)
            seq.profileScope = "upscale"
        }
        seq.profileScope = ""
    }

    /// Where `recordForward` leaves the final-normed query tokens of `count` frames,
    /// `[frame, queries, hidden]`: rows `0..<Q` of `normed` for one frame, `queryRows` for more.
    private func queryTokens(_ lane: Lane, count n: Int) throws -> BufferSlice {
        let size = n * config.numQueries * config.hiddenSize
        return n == 1 ? try lane.normed.all.slice(offset: 0, count: size) : try lane.queryRows.all.slice(offset: 0, count: size)
    }
}

extension EomtGraph {
    /// One frame of a batch handed to `submit(lane:frames:lut:)`.
    struct FrameInput {
        var rgb: [UInt8]
        var width: Int, height: Int
        /// The resized (unpadded) model-input size (`EomtPreprocessor.validate`).
        var resized: (height: Int, width: Int)
    }

    /// Runs the recorded pass on channel-first pixels `[3, imageSize, imageSize]` (host
    /// im2col; the parity-test path), in its own lane.
    public func forward(pixels: [Float]) throws -> EomtRawOutput {
        let c = config
        let rows = try EomtPreprocessor.patchRows(pixels, config: c)
        let lane: Lane
        if let existing = pixelLane {
            lane = existing
        } else {
            lane = try Lane(config: c, device: device, attention: attention, stridedUpscale: stridedMatmuls,
                            capacity: 1)
            try recordForward(lane, count: 1)
            pixelLane = lane
        }
        try lane.sequence.wait()
        try lane.patches.upload(rows)
        try lane.sequence.submit()
        try lane.sequence.wait()
        return EomtRawOutput(classLogits: try lane.classLogits.download(),
                             maskLogits: try lane.masks.download(),
                             queryEmbeddings: try lane.normed.download(offset: 0, count: c.numQueries * c.hiddenSize))
    }

    /// Device time of each kernel of the last `forward(pixels:)`, in recording order, when the
    /// device profiled kernels before this graph's first forward (`VulkanDevice.profilesKernels`).
    public func forwardKernelTimes() throws -> [(kernel: String, seconds: Double)] {
        try pixelLane?.sequence.kernelTimes() ?? []
    }

    /// Device time of each kernel of the last batch of frame lane `lane`; see `forwardKernelTimes()`.
    func kernelTimes(lane: Int) throws -> [(kernel: String, seconds: Double)] {
        guard lanes.indices.contains(lane) else { return [] }
        return try lanes[lane].sequence.kernelTimes()
    }

    /// Number of frame lanes (batches that can be in flight at once).
    var laneCount: Int { lanes.count }

    /// Uploads 1…`batch` RGB8 frames into lane `index` and submits preprocessing, the forward
    /// pass and mask post-processing for them; returns without waiting. The lane must be idle
    /// (collected). Re-records the lane when the number of frames or a frame size changes.
    func submit(lane index: Int, frames: [FrameInput], lut: [Float]) throws {
        let lane = lanes[index]
        guard (1...lane.capacity).contains(frames.count) else {
            throw MaskstreamError(.invalidInput, "a batch holds 1...\(lane.capacity) frames, got \(frames.count)")
        }
        try lane.sequence.wait()
        let recorded = lane.sized.map { [$0.width, $0.height] }, wanted = frames.map { [$0.width, $0.height] }
        if recorded != wanted {
            // Cleared first: a recording that fails half-way must not be submitted later.
            lane.sized = []
            try lane.sequence.reset()
            lane.sized = try recordFrames(lane, frames: frames, lut: lut)
        }
        for (buffers, frame) in zip(lane.sized, frames) { try buffers.rgb.upload(bytes: frame.rgb) }
        try lane.sequence.submit()
    }

    /// The patch rows the device preprocessing wrote for lane `index`'s last batch (tests).
    func patches(lane index: Int) throws -> [Float] {
        try lanes[index].sequence.wait()
        return try lanes[index].patches.download()
    }

    /// Dispatches recorded in lane `index` (tests: re-recording happens on size changes only).
    func dispatchCount(lane index: Int) -> Int { lanes[index].sequence.dispatchCount }

    /// Waits for lane `index` and reads its results back, one output per frame of its batch.
    func collect(lane index: Int) throws -> [EomtDeviceOutput] {
        let lane = lanes[index]
        guard !lane.sized.isEmpty else {
            throw MaskstreamError(.internal, "lane \(index) was never submitted")
        }
        try lane.sequence.wait()
        let c = config, q = c.numQueries, classes = c.labels.count + 1
        let tokens = try queryTokens(lane, count: lane.sized.count)
        return try lane.sized.enumerated().map { f, fb in
            let partials = try fb.partials.download(offset: 0, count: q * fb.groups * 2)
            var sums = [Double](repeating: 0, count: q), counts = [Int](repeating: 0, count: q)
            let list = try fb.selection.list.buffer.downloadWords(offset: fb.selection.list.offset, count: 1 + q)
            let selected = list.dropFirst().prefix(Int(min(list[0], UInt32(q)))).map { Int($0) }
            for query in selected where query < q {
                var s = 0.0, n = 0.0
                for g in 0..<fb.groups {
                    s += Double(partials[(query * fb.groups + g) * 2])
                    n += Double(partials[(query * fb.groups + g) * 2 + 1])
                }
                sums[query] = s
                counts[query] = Int(n)
            }
            let bits = try fb.bits.downloadWords(offset: 0, count: q * fb.words)
            return EomtDeviceOutput(
                classLogits: try lane.classLogits.download(offset: f * q * classes, count: q * classes),
                queryEmbeddings: try tokens.buffer.download(offset: tokens.offset + f * q * c.hiddenSize,
                                                            count: q * c.hiddenSize),
                maskProbabilitySums: sums, maskAreas: counts,
                maskBits: bits, wordsPerQuery: fb.words, width: fb.width, height: fb.height)
        }
    }

    /// Allocates each frame's size-dependent buffers and records preprocessing → forward →
    /// post-processing for the batch.
    private func recordFrames(_ lane: Lane, frames: [FrameInput], lut: [Float]) throws -> [SizedBuffers] {
        let c = config
        let s = c.imageSize, m = c.maskSize, q = c.numQueries, classes = c.labels.count + 1
        func buffer(_ count: Int) throws -> GPUBuffer { try device.makeBuffer(count: max(count, 1)) }
        let seq = lane.sequence
        let patchFloats = c.numPatches * 3 * c.patchSize * c.patchSize
        // The cropped logits go through a bounded buffer, a chunk of queries at a time
        // (a 640-pixel, 200-query model would need 245 MB at once); the frames take turns.
        let chunks = frames.map { max(1, min(q, (16 << 20) / max($0.resized.height * $0.resized.width, 1))) }
        let cropFloats = zip(frames, chunks).map { $1 * $0.resized.height * $0.resized.width }.max() ?? 1
        if (lane.crop?.count ?? 0) < cropFloats { lane.crop = try buffer(cropFloats) }
        guard let crop = lane.crop else { throw MaskstreamError(.internal, "lane crop buffer missing") }
        var sized: [SizedBuffers] = []
        for (f, frame) in frames.enumerated() {
            let (width, height, rh, rw) = (frame.width, frame.height, frame.resized.height, frame.resized.width)
            let hTable =
                width == rw ? FixedPointResampleTable.identity(rw) : BilinearResampler.table(inSize: width, outSize: rw)
            let vTable = height == rh
                ? FixedPointResampleTable.identity(rh) : BilinearResampler.table(inSize: height, outSize: rh)
            let yFirst = (0..<rh).map { vTable.span($0).first }.min() ?? 0
            let yLast = (0..<rh).map { vTable.span($0).first + vTable.span($0).count }.max() ?? height
            let rows = yLast - yFirst
            let rgb = try buffer((width * height * 3 + 3) / 4)
            let samples = try buffer(rows * rw * 3)
            let tables = try buffer(hTable.words.count + vTable.words.count)
            try tables.upload(bytes: hTable.bytes + vTable.bytes)
            let lutBuffer = try device.makeBuffer(lut)
            let taps1 = LinearTaps.flat(Array(LinearTaps.make(inSize: m, outSize: s).prefix(rh)))
                + LinearTaps.flat(Array(LinearTaps.make(inSize: m, outSize: s).prefix(rw)))
            let taps2 = LinearTaps.flat(LinearTaps.make(inSize: rh, outSize: height))
                + LinearTaps.flat(LinearTaps.make(inSize: rw, outSize: width))
            let maskTaps = try device.makeBuffer(taps1 + taps2)
            let chunk = chunks[f]
            let words = MaskBits.words(height: height, width: width)
            let groups = MaskBits.groups(height: height, width: width)
            let bits = try buffer(q * words)
            let partials = try buffer(q * groups * 2)
            let sizes = MaskSelection.sizes(queries: q, chunk: chunk)
            let selectBuffer = try buffer(sizes.list + sizes.arguments)
            let selection = MaskSelection(list: try selectBuffer.slice(offset: 0, count: sizes.list),
                                          arguments: try selectBuffer.slice(offset: sizes.list, count: sizes.arguments),
                                          chunk: chunk, chunks: (q + chunk - 1) / chunk)
            try seq.resampleRows(frame: rgb.all, width: width, rowStride: width * 3, yFirst: yFirst, rows: rows,
                                 table: hTable, tableSlice: try tables.slice(offset: 0, count: hTable.words.count),
                                 out: samples.all)
            try seq.resampleColumnsToPatches(
                samples: samples.all, width: rw, rows: rows, rowOffset: yFirst, table: vTable,
                tableSlice: try tables.slice(offset: hTable.words.count, count: vTable.words.count),
                lut: lutBuffer.all, size: s, patch: c.patchSize,
                out: try lane.patches.all.slice(offset: f * patchFloats, count: patchFloats))
            sized.append(SizedBuffers(width: width, height: height, rgb: rgb, samples: samples, tables: tables,
                                      lut: lutBuffer, maskTaps: maskTaps, bits: bits, partials: partials,
                                      cropTaps: taps1.count, selection: selection))
        }
        try recordForward(lane, count: frames.count)
        // Only queries whose class probability can reach the score threshold get masks; the
        // device lists them, so the host never waits in the middle of the frame.
        let maskPixels = m * m
        for (f, fb) in sized.enumerated() {
            let (rh, rw) = (frames[f].resized.height, frames[f].resized.width)
            let taps1 = fb.cropTaps, taps2 = fb.maskTaps.count - taps1
            let logits = try lane.masks.all.slice(offset: f * q * maskPixels, count: q * maskPixels)
            try seq.maskSelect(classLogits: try lane.classLogits.all.slice(offset: f * q * classes, count: q * classes),
                               queries: q, classes: classes, threshold: maskCandidateThreshold,
                               selection: fb.selection, cropGroups: CommandSequence.maskCropGroups(rh: rh, rw: rw),
                               binarizeGroups: fb.groups)
            for index in 0..<fb.selection.chunks {
                try seq.maskCrop(logits: logits, taps: try fb.maskTaps.slice(offset: 0, count: taps1),
                                 crop: crop.all, selection: fb.selection, chunk: index, queries: q, m: m, rh: rh, rw: rw)
                try seq.maskBinarize(crop: crop.all, taps: try fb.maskTaps.slice(offset: taps1, count: taps2),
                                     bits: fb.bits.all, partials: fb.partials.all, selection: fb.selection,
                                     chunk: index, queries: q, rh: rh, rw: rw, height: fb.height, width: fb.width)
            }
        }
        return sized
    }
}
