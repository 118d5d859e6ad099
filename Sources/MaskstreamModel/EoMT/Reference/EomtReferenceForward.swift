/// The raw outputs of one EoMT forward pass.
public struct EomtRawOutput: Sendable {
    /// `[numQueries, numLabels + 1]`; the last column is "no object".
    public var classLogits: [Float]
    /// `[numQueries, maskSize, maskSize]`.
    public var maskLogits: [Float]
    /// The query tokens after the final LayerNorm, `[numQueries, hidden]`.
    public var queryEmbeddings: [Float]
}

/// A straightforward CPU forward pass of `EomtForUniversalSegmentation` (inference, no
/// attention masking). It exists as the oracle the GPU path is tested against; it is exact but
/// slow.
public struct EomtReferenceForward: Sendable {
    /// The architecture.
    public let config: EomtConfig
    /// The weights, as `Float`.
    public let weights: EomtWeights

    /// Runs the model on channel-first pixels `[3, imageSize, imageSize]`.
    ///
    /// - Complexity: O(L·(T²·H + T·H²)) for L layers, T tokens, H hidden, plus the upscale
    ///   block and the O(Q·H·maskSize²) mask projection.
    public func forward(pixels: [Float]) throws -> EomtRawOutput {
        let c = config, w = weights, h = c.hiddenSize
        let p = c.patchSize, g = c.gridSize
        // Patch embedding: im2col then a linear layer.
        let patches = try EomtPreprocessor.patchRows(pixels, config: c)
        let patchEmbedding = EomtWeights.Linear(weight: w.patchWeight, bias: w.patchBias, inFeatures: 3 * p * p,
                                                outFeatures: h)
        let embed = CPUOps.linear(patches, rows: c.numPatches, patchEmbedding)
        var x: [Float] = w.clsToken + w.registerTokens
        x.reserveCapacity((c.numQueries + c.numPrefixTokens + c.numPatches) * h)
        for i in 0..<(c.numPatches * h) { x.append(embed[i] + w.positionEmbeddings[i]) }
        var tokens = c.numPrefixTokens + c.numPatches

        for idx in 0..<w.numLayers {
            let layer = try w.layer(idx)
            if idx == c.firstQueryLayer {
                x = w.queries + x
                tokens += c.numQueries
            }
            x = Self.layer(x, tokens: tokens, layer, config: c)
        }
        let normed = CPUOps.layerNorm(x, rows: tokens, dim: h, w.finalNorm, eps: c.layerNormEps)
        let queryTokens = Array(normed[0..<(c.numQueries * h)])
        let classLogits = CPUOps.linear(queryTokens, rows: c.numQueries, w.classPredictor)

        var q = queryTokens
        for (i, fc) in w.maskHead.enumerated() {
            q = CPUOps.linear(q, rows: c.numQueries, fc)
            if i < 2 { q = q.map(CPUOps.gelu) }
        }
        // Patch tokens as a channels-last feature map [g·g, h].
        let start = (c.numQueries + c.numPrefixTokens) * h
        var feat = Array(normed[start..<(start + c.numPatches * h)])
        var side = g
        for block in w.upscale {
            (feat, side) = Self.upscale(feat, side: side, hidden: h, block)
        }
        // mask[q, y, x] = Σ_c q[q, c] · feat[y, x, c]
        let pixelsOut = side * side
        var masks = [Float](repeating: 0, count: c.numQueries * pixelsOut)
        q.withUnsafeBufferPointer { qp in
            feat.withUnsafeBufferPointer { fp in
                masks.withUnsafeMutableBufferPointer { mp in
                    for qi in 0..<c.numQueries {
                        let qr = qp.baseAddress! + qi * h
                        for px in 0..<pixelsOut {
                            let fr = fp.baseAddress! + px * h
                            var acc: Float = 0
                            for ch in 0..<h { acc += qr[ch] * fr[ch] }
                            mp[qi * pixelsOut + px] = acc
                        }
                    }
                }
            }
        }
        return EomtRawOutput(classLogits: classLogits, maskLogits: masks, queryEmbeddings: queryTokens)
    }

    /// One pre-norm layer: attention and feed-forward, each with layer scale and residual.
    static func layer(_ x: [Float], tokens: Int, _ l: EomtWeights.Layer, config c: EomtConfig) -> [Float] {
        let h = c.hiddenSize
        let n1 = CPUOps.layerNorm(x, rows: tokens, dim: h, l.norm1, eps: c.layerNormEps)
        let q = CPUOps.linear(n1, rows: tokens, l.q)
        let k = CPUOps.linear(n1, rows: tokens, l.k)
        let v = CPUOps.linear(n1, rows: tokens, l.v)
        let a = CPUOps.attention(q: q, k: k, v: v, tokens: tokens, heads: c.numAttentionHeads, headDim: c.headDim)
        let o = CPUOps.linear(a, rows: tokens, l.out)
        var y = x
        for i in 0..<(tokens * h) { y[i] += o[i] * l.layerScale1[i % h] }
        let n2 = CPUOps.layerNorm(y, rows: tokens, dim: h, l.norm2, eps: c.layerNormEps)
        let f: [Float]
        switch l.mlp {
        case let .gelu(fc1, fc2):
            f = CPUOps.linear(CPUOps.linear(n2, rows: tokens, fc1).map(CPUOps.gelu), rows: tokens, fc2)
        case let .swiglu(gate, up, down):
            let gt = CPUOps.linear(n2, rows: tokens, gate)
            let u = CPUOps.linear(n2, rows: tokens, up)
            var hidden = [Float](repeating: 0, count: gt.count)
            for i in 0..<gt.count { hidden[i] = CPUOps.silu(gt[i]) * u[i] }
            f = CPUOps.linear(hidden, rows: tokens, down)
        }
        for i in 0..<(tokens * h) { y[i] += f[i] * l.layerScale2[i % h] }
        return y
    }

    /// ConvTranspose2d 2×2 s2 → GELU → depthwise 3×3 (pad 1) → LayerNorm2d, channels last.
    static func upscale(_ x: [Float], side: Int, hidden h: Int, _ b: EomtWeights.Upscale) -> ([Float], Int) {
        let out = side * 2
        var up = [Float](repeating: 0, count: out * out * h)
        // One [out, in] matrix per kernel tap so each tap is a plain linear layer.
        for ky in 0..<2 {
            for kx in 0..<2 {
                var tap = [Float](repeating: 0, count: h * h)
                for o in 0..<h { for i in 0..<h { tap[o * h + i] = b.convTWeight[((i * h + o) * 2 + ky) * 2 + kx] } }
                let y = CPUOps.linear(
                    x, rows: side * side,
                    EomtWeights.Linear(weight: tap, bias: b.convTBias, inFeatures: h, outFeatures: h))
                y.withUnsafeBufferPointer { yp in
                    up.withUnsafeMutableBufferPointer { upp in
                        for sy in 0..<side {
                            for sx in 0..<side {
                                let src = (sy * side + sx) * h
                                let dst = ((2 * sy + ky) * out + 2 * sx + kx) * h
                                for o in 0..<h { upp[dst + o] = CPUOps.gelu(yp[src + o]) }
                            }
                        }
                    }
                }
            }
        }
        var dw = [Float](repeating: 0, count: out * out * h)
        up.withUnsafeBufferPointer { upp in
            b.depthwiseWeight.withUnsafeBufferPointer { wp in
                dw.withUnsafeMutableBufferPointer { dp in
                    for y in 0..<out {
                        for xx in 0..<out {
                            let dst = (y * out + xx) * h
                            for ky in 0..<3 {
                                let sy = y + ky - 1
                                guard sy >= 0, sy < out else { continue }
                                for kx in 0..<3 {
                                    let sx = xx + kx - 1
                                    guard sx >= 0, sx < out else { continue }
                                    let src = (sy * out + sx) * h
                                    for ch in 0..<h { dp[dst + ch] += upp[src + ch] * wp[ch * 9 + ky * 3 + kx] }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (CPUOps.layerNorm(dw, rows: out * out, dim: h, b.norm, eps: 1e-6), out)
    }
}
