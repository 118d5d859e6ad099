import Foundation
import MaskstreamEvaluation

/// The shadow model (`shadow:`): every `every`-th frame of each source is also segmented by a
/// second model, on a thread of its own, off the frame path (at most two frames wait for it;
/// when it falls behind the oldest is skipped and counted, so the primary never waits). Its
/// output is never emitted: each such frame's instances (both at the emit threshold) are
/// compared with the primary's (`ModelAgreement`), into the metrics and the JSONL report.
final class ShadowStage: @unchecked Sendable {
    struct Job: Sendable {
        var source: Int, frame: Int, width: Int, height: Int
        var rgb: [UInt8]
    }

    private struct Key: Hashable { var source: Int, frame: Int }

    let model: EomtModel
    let every: Int
    let emitThreshold: Float
    let categoryIdOffset: Int
    private let metrics: PipelineMetrics
    private let log: @Sendable (String) -> Void
    let queue = BoundedQueue<Job>(capacity: 2, policy: .dropOldest)
    private let lock = NSLock()
    private var primary: [Key: [AgreementInstance]] = [:]
    private var shadow: [Key: [AgreementInstance]] = [:]
    private var order: [Key] = []
    private var report: LineWriter?

    init(model: EomtModel, every: Int, emitThreshold: Float, categoryIdOffset: Int, report: String?,
         metrics: PipelineMetrics, log: @escaping @Sendable (String) -> Void) throws {
        self.model = model
        self.every = every
        self.emitThreshold = emitThreshold
        self.categoryIdOffset = categoryIdOffset
        self.metrics = metrics
        self.log = log
        self.report = try report.map { try LineWriter(path: $0) }
    }

    /// Whether frame `index` of a source is one the shadow model sees.
    func samples(_ index: Int) -> Bool { index % every == 0 }

    /// Hands a sampled frame to the shadow thread (Submit stage); never blocks.
    func offer(_ frame: VideoFrame) {
        guard samples(frame.index) else { return }
        queue.push(Job(source: frame.sourceId, frame: frame.index, width: frame.width, height: frame.height,
                       rgb: frame.rgb))
        metrics.shadowSkipped(queue.dropped)
    }

    /// The primary's segments of a sampled frame (Collect stage).
    func primary(source: Int, frame: Int, segments: [Segment]) {
        guard samples(frame) else { return }
        arrived(Key(source: source, frame: frame), instances(segments), primary: true)
    }

    /// Closes the report (after the shadow thread ended).
    func finish() {
        lock.withLock {
            try? report?.close()
            report = nil
        }
    }

    /// The shadow thread: segments the queued frames until the queue closes.
    func run() {
        while let job = try? queue.pop() {
            do {
                let out = try model.collect(try model.submit(rgb: job.rgb, width: job.width, height: job.height))
                arrived(Key(source: job.source, frame: job.frame), instances(out.segments), primary: false)
            } catch {
                log("shadow model: frame \(job.frame) of source \(job.source) failed, the shadow stops: \(error)")
                queue.close()
            }
        }
    }

    private func instances(_ segments: [Segment]) -> [AgreementInstance] {
        segments.filter { $0.score >= emitThreshold }.map {
            AgreementInstance(rle: $0.rle, categoryId: $0.classId + categoryIdOffset, score: Double($0.score))
        }
    }

    /// Pairs the two sides of a frame; the second to arrive compares them.
    private func arrived(_ key: Key, _ list: [AgreementInstance], primary isPrimary: Bool) {
        let pair: ([AgreementInstance], [AgreementInstance])? = lock.withLock {
            if isPrimary, let other = shadow.removeValue(forKey: key) { return (list, other) }
            if !isPrimary, let other = primary.removeValue(forKey: key) { return (other, list) }
            if isPrimary { primary[key] = list } else { shadow[key] = list }
            order.append(key)
            // Frames the shadow skipped never complete: keep the newest few waiting.
            while order.count > 64 {
                let old = order.removeFirst()
                primary[old] = nil
                shadow[old] = nil
            }
            return nil
        }
        guard let (a, b) = pair else { return }
        let agreement = ModelAgreement.compare(primary: a, shadow: b)
        metrics.shadowCompared(agreement)
        guard let report else { return }
        var object: [String: Any] = ["source": key.source, "frame": key.frame, "primary": agreement.primary,
                                     "shadow": agreement.shadow, "matched": agreement.matched,
                                     "same_class": agreement.sameClass, "score_shift_sum": agreement.scoreShiftSum]
        object["mean_iou"] = agreement.ious.isEmpty ? NSNull() : agreement.ious.reduce(0, +) / Double(agreement.ious.count)
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
        let line = String(decoding: data, as: UTF8.self)
        lock.withLock {
            do { try report.write(line) } catch {
                log("shadow report: \(error); no more lines")
                self.report = nil
            }
        }
    }
}
