import Foundation

extension TrackStage {
    /// Pixels left of a segment after its overlaps are resolved below which it is dropped.
    static let minimumArea = 10

    /// The frame's segments made disjoint before tracking: a pixel claimed by several stays with
    /// the highest score, and a segment left with fewer than ``minimumArea`` pixels is dropped (the
    /// remnant of a duplicate query, not an object). The model's queries overlap, low-scoring
    /// ones often on an object a higher one already has; the tracker and every sink get one mask
    /// per pixel, as TrackEval's MOTS and the tracking evaluation (tools/model_detections.py) take them.
    ///
    /// - Complexity: O(segments · runs), on the runs.
    static func disjoint(_ segments: [Segment]) -> [Segment] {
        guard segments.count > 1 else { return segments }
        let order = segments.indices.sorted { segments[$0].score > segments[$1].score }
        let masks = RLE.disjoint(segments.map(\.rle), order: order)
        var out: [Segment] = []
        out.reserveCapacity(segments.count)
        for (segment, mask) in zip(segments, masks) {
            if mask == segment.rle {
                out.append(segment)
            } else if mask.area >= minimumArea {
                var s = segment
                s.rle = mask
                s.bbox = mask.boundingBox
                out.append(s)
            }
        }
        return out
    }
}
