import Foundation

/// transformers' `EomtImageProcessor.post_process_instance_segmentation` on CPU: mask logits
/// are bilinearly upsampled to the padded input, cropped to the resized frame, resized to the
/// frame; a query is kept when its mask is non-empty and
/// `max softmax(class)[:-1] · mean(sigmoid(mask) over mask > 0) ≥ threshold`.
///
/// Queries whose class probability alone is below the threshold are skipped before any mask
/// work (the mask factor is at most 1), which leaves the result unchanged.
public struct InstancePostprocessor: Sendable {
    public var config: EomtConfig
    public var processor: EomtImageProcessorConfig

    public init(config: EomtConfig, processor: EomtImageProcessorConfig) {
        self.config = config
        self.processor = processor
    }

    /// Source indices and weights of a 1-D bilinear resize (align_corners=False, as PyTorch).
    static func linearTaps(inSize: Int, outSize: Int) -> [(i0: Int, i1: Int, w1: Float)] {
        let scale = Float(inSize) / Float(outSize)
        return (0..<outSize).map { o in
            let src = max(scale * (Float(o) + 0.5) - 0.5, 0)
            let i0 = min(Int(src), inSize - 1)
            let i1 = i0 < inSize - 1 ? i0 + 1 : i0
            return (i0, i1, src - Float(i0))
        }
    }

    /// Instances for one frame, in query order (the top `topK` by score when given).
    ///
    /// - Complexity: O(K · (rh·rw + H·W)) for the K queries whose class probability reaches the
    ///   threshold, the resized size rh×rw and the frame size H×W.
    public func instances(_ out: EomtRawOutput, frameHeight: Int, frameWidth: Int,
                          resized: (height: Int, width: Int), threshold: Float, topK: Int?) throws -> [InstancePrediction] {
        let c = config
        let numClasses = c.labels.count + 1
        let m = c.maskSize
        guard out.classLogits.count == c.numQueries * numClasses, out.maskLogits.count == c.numQueries * m * m,
              out.queryEmbeddings.count == c.numQueries * c.hiddenSize else {
            throw MaskstreamError(.internal, "model output sizes do not match the config")
        }
        guard frameHeight > 0, frameWidth > 0 else {
            throw MaskstreamError(.invalidInput, "frame size \(frameWidth)x\(frameHeight) must be positive")
        }
        if let topK, topK < 0 { throw MaskstreamError(.invalidInput, "topK is \(topK): pass nil or a count ≥ 0") }
        guard threshold.isFinite else { throw MaskstreamError(.invalidInput, "threshold must be a finite number in [0, 1]") }
        let padded = processor.paddedSize
        let rh = min(resized.height, padded.height), rw = min(resized.width, padded.width)
        // Stage 1: low-res → padded size (only the crop is needed). Stage 2: crop → frame.
        let rows1 = Self.linearTaps(inSize: m, outSize: padded.height).prefix(rh)
        let cols1 = Self.linearTaps(inSize: m, outSize: padded.width).prefix(rw)
        let rows2 = Self.linearTaps(inSize: rh, outSize: frameHeight)
        let cols2 = Self.linearTaps(inSize: rw, outSize: frameWidth)

        var results: [InstancePrediction] = []
        var crop = [Float](repeating: 0, count: rh * rw)
        var colPass = [Float](repeating: 0, count: m * rw)
        for q in 0..<c.numQueries {
            // Class probability without the "no object" column.
            let logits = out.classLogits[(q * numClasses)..<((q + 1) * numClasses)]
            let maxLogit = logits.max() ?? 0
            var sum: Float = 0
            for v in logits { sum += exp(v - maxLogit) }
            var best = 0
            var bestProb: Float = -1
            for (j, v) in logits.dropLast().enumerated() {
                let prob = exp(v - maxLogit) / sum
                if prob > bestProb { bestProb = prob; best = j }
            }
            guard bestProb >= threshold else { continue }

            let base = q * m * m
            out.maskLogits.withUnsafeBufferPointer { lp in
                for r in 0..<m {
                    for (x, t) in cols1.enumerated() {
                        let a = lp[base + r * m + t.i0], b = lp[base + r * m + t.i1]
                        colPass[r * rw + x] = (1 - t.w1) * a + t.w1 * b
                    }
                }
            }
            for (y, t) in rows1.enumerated() {
                for x in 0..<rw {
                    crop[y * rw + x] = (1 - t.w1) * colPass[t.i0 * rw + x] + t.w1 * colPass[t.i1 * rw + x]
                }
            }
            var mask = [UInt8](repeating: 0, count: frameHeight * frameWidth)
            var probSum = 0.0
            var area = 0
            for (y, ty) in rows2.enumerated() {
                let r0 = ty.i0 * rw, r1 = ty.i1 * rw
                for (x, tx) in cols2.enumerated() {
                    let top = (1 - tx.w1) * crop[r0 + tx.i0] + tx.w1 * crop[r0 + tx.i1]
                    let bottom = (1 - tx.w1) * crop[r1 + tx.i0] + tx.w1 * crop[r1 + tx.i1]
                    let v = (1 - ty.w1) * top + ty.w1 * bottom
                    if v > 0 {
                        mask[y * frameWidth + x] = 1
                        probSum += Double(1 / (1 + exp(-v)))
                        area += 1
                    }
                }
            }
            guard area > 0 else { continue }
            let score = bestProb * Float(probSum / (Double(area) + 1e-6))
            guard score >= threshold else { continue }
            results.append(InstancePrediction(
                classId: best, label: c.labels[best], score: score, mask: mask,
                embedding: Array(out.queryEmbeddings[(q * c.hiddenSize)..<((q + 1) * c.hiddenSize)]), queryIndex: q))
        }
        if let topK, results.count > topK {
            let keep = Set(results.enumerated().sorted { $0.element.score > $1.element.score || ($0.element.score == $1.element.score && $0.offset < $1.offset) }
                .prefix(topK).map(\.offset))
            results = results.enumerated().filter { keep.contains($0.offset) }.map(\.element)
        }
        return results
    }
}
