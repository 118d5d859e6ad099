import Foundation

/// Plain CPU loops over `[Float]` used by the reference forward pass (the test oracle for the
/// GPU path). Row-major everywhere; activations are `[rows, features]`.
enum CPUOps {
    /// `y[r, o] = Σ_i x[r, i] · W[o, i] + b[o]`.
    ///
    /// - Complexity: O(rows · in · out).
    static func linear(_ x: [Float], rows: Int, _ l: EomtWeights.Linear) -> [Float] {
        let inF = l.inFeatures, outF = l.outFeatures
        var y = [Float](repeating: 0, count: rows * outF)
        x.withUnsafeBufferPointer { xp in
            l.weight.withUnsafeBufferPointer { wp in
                y.withUnsafeMutableBufferPointer { yp in
                    for r in 0..<rows {
                        let xr = xp.baseAddress! + r * inF
                        for o in 0..<outF {
                            let wr = wp.baseAddress! + o * inF
                            var acc: Float = 0
                            for i in 0..<inF { acc += xr[i] * wr[i] }
                            yp[r * outF + o] = acc + l.bias[o]
                        }
                    }
                }
            }
        }
        return y
    }

    /// LayerNorm over the last dimension (biased variance, as PyTorch).
    ///
    /// - Complexity: O(rows · dim).
    static func layerNorm(_ x: [Float], rows: Int, dim: Int, _ n: EomtWeights.Norm, eps: Float) -> [Float] {
        var y = [Float](repeating: 0, count: rows * dim)
        for r in 0..<rows {
            let base = r * dim
            var mean: Float = 0
            for i in 0..<dim { mean += x[base + i] }
            mean /= Float(dim)
            var variance: Float = 0
            for i in 0..<dim { let d = x[base + i] - mean; variance += d * d }
            variance /= Float(dim)
            let inv = 1 / (variance + eps).squareRoot()
            for i in 0..<dim { y[base + i] = (x[base + i] - mean) * inv * n.weight[i] + n.bias[i] }
        }
        return y
    }

    /// Exact (erf) GELU.
    @inline(__always) static func gelu(_ x: Float) -> Float {
        Float(0.5 * Double(x) * (1 + erf(Double(x) / 2.0.squareRoot())))
    }

    /// SiLU, `x · sigmoid(x)`.
    @inline(__always) static func silu(_ x: Float) -> Float { x / (1 + exp(-x)) }

    /// Multi-head softmax attention without a mask; q, k, v and the result are `[tokens, heads·headDim]`.
    ///
    /// - Complexity: O(tokens² · heads · headDim).
    static func attention(q: [Float], k: [Float], v: [Float], tokens: Int, heads: Int, headDim: Int) -> [Float] {
        let width = heads * headDim
        let scale = 1 / Float(headDim).squareRoot()
        var out = [Float](repeating: 0, count: tokens * width)
        var scores = [Float](repeating: 0, count: tokens)
        q.withUnsafeBufferPointer { qp in
            k.withUnsafeBufferPointer { kp in
                v.withUnsafeBufferPointer { vp in
                    out.withUnsafeMutableBufferPointer { op in
                        scores.withUnsafeMutableBufferPointer { sp in
                            for h in 0..<heads {
                                let off = h * headDim
                                for t in 0..<tokens {
                                    let qr = qp.baseAddress! + t * width + off
                                    var maxScore = -Float.infinity
                                    for s in 0..<tokens {
                                        let kr = kp.baseAddress! + s * width + off
                                        var acc: Float = 0
                                        for d in 0..<headDim { acc += qr[d] * kr[d] }
                                        acc *= scale
                                        sp[s] = acc
                                        maxScore = max(maxScore, acc)
                                    }
                                    var sum: Float = 0
                                    for s in 0..<tokens { let e = exp(sp[s] - maxScore); sp[s] = e; sum += e }
                                    let inv = 1 / sum
                                    let orow = op.baseAddress! + t * width + off
                                    for s in 0..<tokens {
                                        let p = sp[s] * inv
                                        let vr = vp.baseAddress! + s * width + off
                                        for d in 0..<headDim { orow[d] += p * vr[d] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
