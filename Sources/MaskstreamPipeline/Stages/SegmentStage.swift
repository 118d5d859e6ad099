import Foundation
import MaskstreamServer

/// The Segment stage, in two halves on two threads so several batches are on the device at
/// once: `Submit` starts the model on a batch of frames, `Collect` waits for it and takes their
/// segments. Only the media some sink needs travels on.
enum SegmentStage {
    /// One frame of a submitted batch: the batch's ticket travels with each of its frames, in
    /// order, `index` 0 first.
    struct Submitted: Sendable {
        var info: FrameInfo
        var ticket: SegmentTicket
        var index: Int
        var media: FrameMedia
        /// The model that took the batch (it collects it, also after a reload).
        var segmenter: any Segmenter
        /// `ModelInfo.generation` of that model.
        var generation: Int
    }

    struct Segmented: Sendable {
        var info: FrameInfo
        var segments: [Segment]
        var media: FrameMedia
        var generation: Int
        /// The model's class names (a reload may change them).
        var labels: [Int: String]
    }

    /// Takes a frame, and with it the frames already queued behind it (of any source, up to the
    /// segmenter's `maxBatch`): one submission, one forward pass with a batch dimension. It never
    /// waits to fill a batch, so one source alone runs batches of one while the device keeps up.
    /// A source's `begin` or `end` closes the batch before it, so every stage still sees them in
    /// order.
    struct Submit {
        let name = "segment.submit"
        /// The model each batch goes to (replaced by reloads between batches).
        let slot: ModelSlot
        let log: @Sendable (String) -> Void
        /// What the sinks of a source (the pipeline's and its own) read besides the record.
        let needs: @Sendable (_ source: Int) -> SinkNeeds
        /// Gets every sampled frame too.
        var shadow: ShadowStage?

        /// Runs until `input` ends, pushing each frame of each batch to `output` in order. An error
        /// goes to `fail`; either way both queues close so the neighbours finish.
        func run(_ input: BoundedQueue<Event<VideoFrame>>, _ output: BoundedQueue<Event<Submitted>>,
                 fail: (any Error) -> Void) {
            defer {
                input.close()
                output.close()
                shadow?.queue.close()
            }
            do {
                var pending: Event<VideoFrame>?
                while let event = try pending ?? input.pop() {
                    pending = nil
                    let first: VideoFrame
                    switch event {
                    case .begin(let source):
                        if !output.push(.begin(source)) { return }
                        continue
                    case .end(let id):
                        if !output.push(.end(source: id)) { return }
                        continue
                    case .frame(let frame): first = frame
                    }
                    let loaded = slot.active
                    let segmenter: any Segmenter = loaded.model
                    let generation = loaded.info.generation
                    if generation > 1, slot.segmenting(generation: generation, source: first.sourceId, frame: first.index) {
                        log("model generation \(generation) (\(loaded.info.name)) segments from frame \(first.index) "
                            + "of source \(first.sourceId) on")
                    }
                    var batch = [first]
                    while batch.count < segmenter.maxBatch, let next = input.popIfReady() {
                        guard case .frame(let frame) = next else { pending = next; break }
                        batch.append(frame)
                    }
                    let ticket = try segmenter.submit(batch.map {
                        SegmenterFrame(rgb: $0.rgb, width: $0.width, height: $0.height)
                    })
                    for frame in batch { shadow?.offer(frame) }
                    for (index, frame) in batch.enumerated() {
                        let needs = needs(frame.sourceId)
                        let media = FrameMedia(packets: needs.contains(.packets) ? frame.packets : [],
                                               rgb: needs.contains(.pixels) ? frame.rgb : nil)
                        let item = Submitted(info: FrameInfo(frame), ticket: ticket, index: index, media: media,
                                             segmenter: segmenter, generation: generation)
                        if !output.push(.frame(item)) { return }
                    }
                }
            } catch {
                fail(error)
            }
        }
    }

    struct Collect: Stage {
        let name = "segment.collect"
        let metrics: PipelineMetrics
        /// Gets the primary's segments of every sampled frame.
        let shadow: ShadowStage?
        /// The segments of the batch whose frames are passing.
        private var batch: [SegmentedFrame] = []

        init(metrics: PipelineMetrics, shadow: ShadowStage? = nil) { (self.metrics, self.shadow) = (metrics, shadow) }

        mutating func process(_ job: Submitted) throws -> Segmented {
            if job.index == 0 {
                batch = try job.segmenter.collectBatch(job.ticket)
                metrics.batchDone(frames: batch.count)
            }
            guard batch.indices.contains(job.index), batch.count == job.ticket.count else {
                throw MaskstreamError(.internal, "frame \(job.index) of a batch of \(job.ticket.count) reached "
                                      + "collect out of order")
            }
            let out = batch[job.index]
            shadow?.primary(source: job.info.source, frame: job.info.index, segments: out.segments)
            metrics.observe(.preprocess, seconds: out.timings.submit)
            metrics.observe(.infer, seconds: out.timings.device)
            metrics.observe(.postprocess, seconds: out.timings.host)
            return Segmented(info: job.info, segments: out.segments, media: job.media, generation: job.generation,
                             labels: job.segmenter.labels)
        }
    }
}
