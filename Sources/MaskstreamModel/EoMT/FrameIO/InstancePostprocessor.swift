import Foundation
import MaskstreamGPU

/// transformers' `EomtImageProcessor.post_process_instance_segmentation` on CPU: mask logits
/// are bilinearly upsampled to the padded input, cropped to the resized frame, resized to the
/// frame; a query is kept when its mask is non-empty and
/// `max softmax(class)[:-1] · mean(sigmoid(mask) over mask > 0) ≥ threshold`.
///
/// Queries whose class probability alone is below the threshold are skipped before any mask
/// work (the mask factor is at most 1), which leaves the result unchanged.
public struct InstancePostprocessor: Sendable {
    /// The architecture and class names.
    public var config: EomtConfig
    /// The processor settings (the padded input size).
    public var processor: EomtImageProcessorConfig

    /// The best class (without "no object") of query `q` and its softmax probability.
    private func bestClass(_ classLogits: [Float], query q: Int) -> (classId: Int, probability: Float) {
        let numClasses = config.labels.count + 1
        let logits = classLogits[(q * numClasses)..<((q + 1) * numClasses)]
        let maxLogit = logits.max() ?? 0
        var sum: Float = 0
        for v in logits { sum += exp(v - maxLogit) }
        var best = 0
        var bestProb: Float = -1
        for (j, v) in logits.dropLast().enumerated() {
            let prob = exp(v - maxLogit) / sum
            if prob > bestProb { bestProb = prob; best = j }
        }
        return (best, bestProb)
    }

    /// Throws unless `threshold` is finite and `topK` is nil or ≥ 0.
    static func checkArguments(threshold: Float, topK: Int?) throws {
        if let topK, topK < 0 { throw MaskstreamError(.invalidInput, "topK is \(topK): pass nil or a count ≥ 0") }
        guard threshold.isFinite else {
            throw MaskstreamError(.invalidInput, "threshold must be a finite number in [0, 1]")
        }
    }

    /// Keeps the `topK` best results (all when nil), in their original order.
    private func keepTop(_ results: [InstancePrediction], _ topK: Int?) -> [InstancePrediction] {
        guard let topK, results.count > topK else { return results }
        let keep = Set(
            results.enumerated().sorted {
                $0.element.score > $1.element.score || ($0.element.score == $1.element.score && $0.offset < $1.offset)
            }
            .prefix(topK).map(\.offset))
        return results.enumerated().filter { keep.contains($0.offset) }.map(\.element)
    }

    /// Instances from the device post-processing (bit masks at frame size with their sigmoid
    /// sums and areas): the same selection and scores as `instances(_:…)`.
    func instances(_ out: EomtDeviceOutput, threshold: Float, topK: Int?) throws -> [InstancePrediction] {
        let c = config
        guard out.classLogits.count == c.numQueries * (c.labels.count + 1),
            out.queryEmbeddings.count == c.numQueries * c.hiddenSize,
              out.maskAreas.count == c.numQueries, out.maskProbabilitySums.count == c.numQueries else {
            throw MaskstreamError(.internal, "device output sizes do not match the config")
        }
        try Self.checkArguments(threshold: threshold, topK: topK)
        var results: [InstancePrediction] = []
        for q in 0..<c.numQueries {
            let (best, bestProb) = bestClass(out.classLogits, query: q)
            guard bestProb >= threshold, out.maskAreas[q] > 0 else { continue }
            let score = bestProb * Float(out.maskProbabilitySums[q] / (Double(out.maskAreas[q]) + 1e-6))
            guard score >= threshold else { continue }
            results.append(InstancePrediction(
                classId: best, label: c.labels[best], score: score, mask: out.mask(query: q),
                embedding: Array(out.queryEmbeddings[(q * c.hiddenSize)..<((q + 1) * c.hiddenSize)]), queryIndex: q,
                classProbability: bestProb))
        }
        return keepTop(results, topK)
    }

    /// Instances for one frame, in query order (the top `topK` by score when given).
    ///
    /// - Complexity: O(K · (rh·rw + H·W)) for the K queries whose class probability reaches the
    ///   threshold, the resized size rh×rw and the frame size H×W.
    public func instances(_ out: EomtRawOutput, frameHeight: Int, frameWidth: Int,
        resized: (height: Int, width: Int), threshold: Float, topK: Int?
    ) throws -> [InstancePrediction] {
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
        try Self.checkArguments(threshold: threshold, topK: topK)
        let padded = processor.paddedSize
        let rh = min(resized.height, padded.height), rw = min(resized.width, padded.width)
        // Stage 1: low-res → padded size (only the crop is needed). Stage 2: crop → frame.
        let rows1 = LinearTaps.make(inSize: m, outSize: padded.height).prefix(rh)
        let cols1 = LinearTaps.make(inSize: m, outSize: padded.width).prefix(rw)
        let rows2 = LinearTaps.make(inSize: rh, outSize: frameHeight)
        let cols2 = LinearTaps.make(inSize: rw, outSize: frameWidth)

        var results: [InstancePrediction] = []
        var crop = [Float](repeating: 0, count: rh * rw)
        var colPass = [Float](repeating: 0, count: m * rw)
        for q in 0..<c.numQueries {
            // Class probability without the "no object" column.
            let (best, bestProb) = bestClass(out.classLogits, query: q)
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
                embedding: Array(out.queryEmbeddings[(q * c.hiddenSize)..<((q + 1) * c.hiddenSize)]), queryIndex: q,
                classProbability: bestProb))
        }
        return keepTop(results, topK)
    }
}
