import Foundation

/// The Segment stage, in two halves on two threads so several frames are on the device at
/// once: `Submit` starts the model on a frame, `Collect` waits for it and takes its segments.
/// Only the media some sink needs travels on.
enum SegmentStage {
    struct Submitted: Sendable {
        var info: FrameInfo
        var ticket: SegmentTicket
        var media: FrameMedia
    }

    struct Segmented: Sendable {
        var info: FrameInfo
        var segments: [Segment]
        var media: FrameMedia
    }

    struct Submit: Stage {
        let name = "segment.submit"
        let segmenter: any Segmenter
        let needs: SinkNeeds

        mutating func process(_ frame: VideoFrame) throws -> Submitted {
            let ticket = try segmenter.submit(rgb: frame.rgb, width: frame.width, height: frame.height)
            let media = FrameMedia(packets: needs.contains(.packets) ? frame.packets : [],
                                   rgb: needs.contains(.pixels) ? frame.rgb : nil)
            return Submitted(info: FrameInfo(frame), ticket: ticket, media: media)
        }
    }

    struct Collect: Stage {
        let name = "segment.collect"
        let segmenter: any Segmenter
        let metrics: PipelineMetrics

        mutating func process(_ job: Submitted) throws -> Segmented {
            let out = try segmenter.collect(job.ticket)
            metrics.observe(.preprocess, seconds: out.timings.submit)
            metrics.observe(.infer, seconds: out.timings.device)
            metrics.observe(.postprocess, seconds: out.timings.host)
            return Segmented(info: job.info, segments: out.segments, media: job.media)
        }
    }
}
