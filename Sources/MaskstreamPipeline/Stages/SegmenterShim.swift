// TEMPORARY: the Segmenter API as MaskstreamModel will provide it, over today's EomtModel.
// Replaced by MaskstreamModel/Segmenter.swift when the model-boundary branch merges.
import Foundation

public struct Segment: Sendable, Equatable {
    public var rle: RLE
    public var bbox: BoundingBox
    public var classId: Int
    public var label: String
    public var score: Float
    public var embedding: [Float]
    public var queryIndex: Int
}

public struct SegmentTimings: Sendable {
    public var submit: Double
    public var device: Double
    public var host: Double
}

public struct SegmentedFrame: Sendable {
    public var width: Int, height: Int
    public var segments: [Segment]
    public var timings: SegmentTimings
}

public struct SegmentTicket: Sendable {
    let ticket: FrameTicket
}

public protocol Segmenter: AnyObject, Sendable {
    var labels: [Int: String] { get }
    var framesInFlight: Int { get }
    func submit(rgb: [UInt8], width: Int, height: Int) throws -> SegmentTicket
    func collect(_ ticket: SegmentTicket) throws -> SegmentedFrame
}

public struct SegmenterOptions: Sendable {
    public var threshold: Float
    public var topK: Int?
    public var framesInFlight: Int
}

final class ShimSegmenter: Segmenter, @unchecked Sendable {
    let model: EomtModel
    let options: SegmenterOptions
    init(folder: URL, device: VulkanDevice, options: SegmenterOptions) throws {
        model = try EomtModel(folder: folder, device: device, framesInFlight: options.framesInFlight)
        self.options = options
    }
    var labels: [Int: String] { model.config.id2label }
    var framesInFlight: Int { model.framesInFlight }
    func submit(rgb: [UInt8], width: Int, height: Int) throws -> SegmentTicket {
        SegmentTicket(ticket: try model.submit(rgb: rgb, width: width, height: height))
    }
    func collect(_ t: SegmentTicket) throws -> SegmentedFrame {
        let t0 = Date()
        let result = try model.wait(t.ticket)
        let t1 = Date()
        let preds = try model.instances(result, threshold: options.threshold, topK: options.topK)
        let segs = preds.map { p in
            let rle = RLE(mask: p.mask, height: t.ticket.height, width: t.ticket.width)
            return Segment(rle: rle, bbox: rle.boundingBox, classId: p.classId, label: p.label, score: p.score,
                           embedding: p.embedding, queryIndex: p.queryIndex)
        }
        return SegmentedFrame(width: t.ticket.width, height: t.ticket.height, segments: segs,
                              timings: SegmentTimings(submit: t.ticket.submitSeconds, device: t1.timeIntervalSince(t0),
                                                      host: Date().timeIntervalSince(t1)))
    }
}
