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
/// Not thread-safe by itself: `EomtModel` serializes calls.
final class EomtGPUForward {
    /// How attention is computed.
    enum AttentionMode: Sendable, CaseIterable {
        /// Per head: `Q·Kᵀ` and `P·V` as `linear` matmuls around a row softmax; fastest on
        /// CPU devices (lavapipe), O(seq²) scratch memory.
        case matmul
        /// One fused kernel with keys split across a workgroup; no O(seq²) scratch.
        case fused

        /// The faster mode for a device.
        static func preferred(for device: VulkanDevice) -> AttentionMode {
            device.info.kind == .cpu ? .matmul : .fused
        }
    }

    let config: EomtConfig
    let device: VulkanDevice
    private let sequence: CommandSequence
    private let patches: GPUBuffer
    private let normed: GPUBuffer
    private let classLogits: GPUBuffer
    private let masks: GPUBuffer
    /// Kept alive for the recorded sequence.
    private var keep: [GPUBuffer] = []

    /// Uploads the weights and records the forward pass.
    init(config c: EomtConfig, weights w: EomtWeights, device: VulkanDevice, attention: AttentionMode? = nil) throws {
        let attentionMode = attention ?? .preferred(for: device)
        self.config = c
        self.device = device
        let h = c.hiddenSize, q = c.numQueries, pre = c.numPrefixTokens, p = c.numPatches
        let total = q + pre + p
        let mlp = c.mlpHiddenSize
        let m = c.maskSize
        var keep: [GPUBuffer] = []
        func upload(_ values: [Float]) throws -> BufferSlice {
            let b = try device.makeBuffer(values.isEmpty ? [0] : values)
            keep.append(b)
            return b.all
        }
        func scratch(_ count: Int) throws -> GPUBuffer {
            let b = try device.makeBuffer(count: max(count, 1))
            keep.append(b)
            return b
        }

        // Weights.
        let patchW = try upload(w.patchWeight), patchB = try upload(w.patchBias), pos = try upload(w.positionEmbeddings)
        let initRows = try upload(w.queries + w.clsToken + w.registerTokens)
        struct LayerSlices {
            var n1g, n1b, qkvW, qkvB, outW, outB, ls1, n2g, n2b, ls2: BufferSlice
            var up1W, up1B, downW, downB: BufferSlice
        }
        var layers: [LayerSlices] = []
        for l in w.layers {
            let (up1W, up1B, downW, downB): (BufferSlice, BufferSlice, BufferSlice, BufferSlice)
            switch l.mlp {
            case let .gelu(fc1, fc2):
                (up1W, up1B, downW, downB) = (try upload(fc1.weight), try upload(fc1.bias), try upload(fc2.weight), try upload(fc2.bias))
            case let .swiglu(gate, up, down):
                (up1W, up1B, downW, downB) = (try upload(gate.weight + up.weight), try upload(gate.bias + up.bias),
                                              try upload(down.weight), try upload(down.bias))
            }
            layers.append(LayerSlices(
                n1g: try upload(l.norm1.weight), n1b: try upload(l.norm1.bias),
                qkvW: try upload(l.q.weight + l.k.weight + l.v.weight), qkvB: try upload(l.q.bias + l.k.bias + l.v.bias),
                outW: try upload(l.out.weight), outB: try upload(l.out.bias), ls1: try upload(l.layerScale1),
                n2g: try upload(l.norm2.weight), n2b: try upload(l.norm2.bias), ls2: try upload(l.layerScale2),
                up1W: up1W, up1B: up1B, downW: downW, downB: downB))
        }
        let finalG = try upload(w.finalNorm.weight), finalB = try upload(w.finalNorm.bias)
        let classW = try upload(w.classPredictor.weight), classB = try upload(w.classPredictor.bias)
        let head = try w.maskHead.map { (try upload($0.weight), try upload($0.bias)) }
        // ConvTranspose2d 2×2 s2 as two linears, one per kernel row ky: W_ky[(kx·h + o), i] =
        // w[i, o, ky, kx], so one input pixel's output row is [kx = 0 | kx = 1], which is
        // exactly the channels-last layout of output row 2y + ky.
        let ups = try w.upscale.map { b in
            let taps = try (0..<2).map { ky -> BufferSlice in
                var m = [Float](repeating: 0, count: 2 * h * h)
                for kx in 0..<2 { for o in 0..<h { for i in 0..<h { m[(kx * h + o) * h + i] = b.convTWeight[((i * h + o) * 2 + ky) * 2 + kx] } } }
                return try upload(m)
            }
            return (taps, try upload(b.convTBias + b.convTBias), try upload(b.depthwiseWeight), try upload(b.norm.weight), try upload(b.norm.bias))
        }

        // Activations.
        let patches = try scratch(p * 3 * c.patchSize * c.patchSize)
        let x = try scratch(total * h)
        let normed = try scratch(total * h)
        let qkv = try scratch(total * 3 * h)
        let attn = try scratch(total * h)
        let hidden = try scratch(total * (c.useSwiGLU ? 2 * mlp : mlp))
        let mid = try scratch(c.useSwiGLU ? total * mlp : 1)
        let classLogits = try scratch(q * (c.labels.count + 1))
        let qa = try scratch(q * h), qb = try scratch(q * h)
        let featCL = try scratch(h * m * m), upCL = try scratch(h * m * m), chw = try scratch(h * m * m)
        let taps = try scratch(h * m * m / 2)
        let headD = c.headDim
        let perHead = attentionMode == .matmul
            ? (q: try scratch(total * headD), k: try scratch(total * headD), v: try scratch(total * headD),
               o: try scratch(total * headD), scores: try scratch(total * total))
            : nil
        let masks = try scratch(q * m * m)

        let seq = try device.makeSequence()
        try seq.copy(initRows, to: x.all.slice(offset: 0, count: (q + pre) * h), count: (q + pre) * h)
        try seq.linear(x: patches.all, weight: patchW, bias: patchB, y: x.all.slice(offset: (q + pre) * h, count: p * h),
                       m: p, n: h, k: 3 * c.patchSize * c.patchSize, residual: pos)
        for (idx, l) in layers.enumerated() {
            let first = idx < c.firstQueryLayer ? q : 0
            let t = total - first
            let xs = try x.all.slice(offset: first * h, count: t * h)
            let ns = try normed.all.slice(offset: 0, count: t * h)
            try seq.layerNorm(x: xs, gamma: l.n1g, beta: l.n1b, y: ns, rows: t, dim: h, eps: c.layerNormEps)
            let qkvS = try qkv.all.slice(offset: 0, count: t * 3 * h)
            try seq.linear(x: ns, weight: l.qkvW, bias: l.qkvB, y: qkvS, m: t, n: 3 * h, k: h)
            let a = try attn.all.slice(offset: 0, count: t * h)
            if let ph = perHead {
                let d = headD
                let qh = try ph.q.all.slice(offset: 0, count: t * d), kh = try ph.k.all.slice(offset: 0, count: t * d)
                let vh = try ph.v.all.slice(offset: 0, count: t * d), oh = try ph.o.all.slice(offset: 0, count: t * d)
                let scores = try ph.scores.all.slice(offset: 0, count: t * t)
                for head in 0..<c.numAttentionHeads {
                    for (part, dst) in [(0, qh), (1, kh), (2, vh)] {
                        let start = part * h + head * d
                        try seq.copyRows(try qkvS.slice(offset: start, count: t * 3 * h - start), sourceStride: 3 * h,
                                         to: dst, destinationStride: d, rows: t, cols: d)
                    }
                    try seq.linear(x: qh, weight: kh, bias: nil, y: scores, m: t, n: t, k: d)
                    try seq.softmaxRows(scores, rows: t, cols: t, scale: 1 / Float(d).squareRoot())
                    try seq.linear(x: scores, weight: vh, bias: nil, y: oh, m: t, n: d, k: t, weightTransposed: true)
                    try seq.copyRows(oh, sourceStride: d, to: try a.slice(offset: head * d, count: t * h - head * d),
                                     destinationStride: h, rows: t, cols: d)
                }
            } else {
                try seq.attentionSplit(q: qkvS, k: try qkvS.slice(offset: h, count: t * 3 * h - h),
                                       v: try qkvS.slice(offset: 2 * h, count: t * 3 * h - 2 * h), out: a,
                                       seq: t, heads: c.numAttentionHeads, headDim: c.headDim, rowStride: (3 * h, 3 * h, 3 * h, h))
            }
            try seq.linear(x: a, weight: l.outW, bias: l.outB, y: xs, m: t, n: h, k: h, layerScale: l.ls1, residual: xs)
            try seq.layerNorm(x: xs, gamma: l.n2g, beta: l.n2b, y: ns, rows: t, dim: h, eps: c.layerNormEps)
            if c.useSwiGLU {
                let hs = try hidden.all.slice(offset: 0, count: t * 2 * mlp)
                let ms = try mid.all.slice(offset: 0, count: t * mlp)
                try seq.linear(x: ns, weight: l.up1W, bias: l.up1B, y: hs, m: t, n: 2 * mlp, k: h)
                try seq.swiglu(hidden: hs, out: ms, rows: t, half: mlp)
                try seq.linear(x: ms, weight: l.downW, bias: l.downB, y: xs, m: t, n: h, k: mlp, layerScale: l.ls2, residual: xs)
            } else {
                let hs = try hidden.all.slice(offset: 0, count: t * mlp)
                try seq.linear(x: ns, weight: l.up1W, bias: l.up1B, y: hs, m: t, n: mlp, k: h, gelu: true)
                try seq.linear(x: hs, weight: l.downW, bias: l.downB, y: xs, m: t, n: h, k: mlp, layerScale: l.ls2, residual: xs)
            }
        }
        try seq.layerNorm(x: x.all, gamma: finalG, beta: finalB, y: normed.all, rows: total, dim: h, eps: c.layerNormEps)
        let queryTokens = try normed.all.slice(offset: 0, count: q * h)
        try seq.linear(x: queryTokens, weight: classW, bias: classB, y: classLogits.all, m: q, n: c.labels.count + 1, k: h)
        try seq.linear(x: queryTokens, weight: head[0].0, bias: head[0].1, y: qa.all, m: q, n: h, k: h, gelu: true)
        try seq.linear(x: qa.all, weight: head[1].0, bias: head[1].1, y: qb.all, m: q, n: h, k: h, gelu: true)
        try seq.linear(x: qb.all, weight: head[2].0, bias: head[2].1, y: qa.all, m: q, n: h, k: h)

        // Upscale blocks, channels-last [pixels, h] between blocks; the depthwise conv runs on
        // CHW. The first block reads the patch tokens in place.
        var side = c.gridSize
        var feat = try normed.all.slice(offset: (q + pre) * h, count: p * h)
        for (tapW, tapB, dwW, lnG, lnB) in ups {
            let inPixels = side * side, out = 2 * side
            let up = try upCL.all.slice(offset: 0, count: h * out * out)
            let tmp = try taps.all.slice(offset: 0, count: inPixels * 2 * h)
            for ky in 0..<2 {
                try seq.linear(x: feat, weight: tapW[ky], bias: tapB, y: tmp, m: inPixels, n: 2 * h, k: h, gelu: true)
                try seq.copyRows(tmp, sourceStride: side * 2 * h, to: try up.slice(offset: ky * out * h, count: h * out * out - ky * out * h),
                                 destinationStride: 2 * out * h, rows: side, cols: side * 2 * h)
            }
            let planes = try chw.all.slice(offset: 0, count: h * out * out)
            try seq.transpose(up, out: planes, rows: out * out, cols: h)
            try seq.depthwiseConv3x3(x: planes, weight: dwW, bias: nil, out: up, channels: h, height: out, width: out)
            let next = try featCL.all.slice(offset: 0, count: h * out * out)
            try seq.transpose(up, out: next, rows: h, cols: out * out)
            try seq.layerNorm(x: next, gamma: lnG, beta: lnB, y: next, rows: out * out, dim: h, eps: 1e-6)
            feat = next
            side = out
        }
        // masks[q, pixel] = Σ_c embed[q, c] · feat[pixel, c]
        try seq.linear(x: qa.all, weight: feat, bias: nil, y: masks.all, m: q, n: side * side, k: h)

        self.sequence = seq
        self.patches = patches
        self.normed = normed
        self.classLogits = classLogits
        self.masks = masks
        self.keep = keep
    }

    /// Runs the recorded pass on channel-first pixels `[3, imageSize, imageSize]`.
    func forward(pixels: [Float]) throws -> EomtRawOutput {
        let c = config
        let s = c.imageSize, p = c.patchSize, g = c.gridSize
        guard pixels.count == 3 * s * s else {
            throw MaskstreamError(.invalidInput, "pixel values hold \(pixels.count) floats but the model needs 3x\(s)x\(s)")
        }
        // im2col: one row of 3·p·p values (channel, row, column) per patch.
        var rows = [Float](repeating: 0, count: c.numPatches * 3 * p * p)
        for py in 0..<g {
            for px in 0..<g {
                let row = (py * g + px) * 3 * p * p
                for ch in 0..<3 {
                    for ky in 0..<p {
                        let src = (ch * s + py * p + ky) * s + px * p
                        let dst = row + (ch * p + ky) * p
                        for kx in 0..<p { rows[dst + kx] = pixels[src + kx] }
                    }
                }
            }
        }
        try sequence.wait()
        try patches.upload(rows)
        try sequence.submit()
        try sequence.wait()
        return EomtRawOutput(classLogits: try classLogits.download(),
                             maskLogits: try masks.download(),
                             queryEmbeddings: try normed.download(offset: 0, count: c.numQueries * c.hiddenSize))
    }
}
