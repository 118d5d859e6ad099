import Foundation

/// Accumulates tracked frames as MOTS txt, the text format of MOTSChallenge and
/// KITTI MOTS that TrackEval reads: one line per instance,
/// `frame track_id class_id height width rle`, with the RLE in COCO compressed form.
///
/// TrackEval counts frames from 1 and rejects masks that overlap within a frame,
/// so give it non-overlapping instances (or set `resolveOverlaps`).
///
/// ```swift
/// var writer = MOTSWriter()
/// writer.append(frameIndex: 0, instances: tracker.update(detections))
/// try writer.text.write(toFile: "seq.txt", atomically: true, encoding: .utf8)
/// ```
public struct MOTSWriter: Sendable {
    /// Added to each zero-based frame index to give the written frame number.
    public var frameNumberBase: Int
    /// When set, written as every instance's class (for example 2, MOTSChallenge's pedestrian).
    public var fixedClassId: Int?
    /// Whether to take pixels claimed by a higher-scoring instance of the same frame
    /// away from lower-scoring ones, so the masks never overlap.
    public var resolveOverlaps: Bool
    /// The lines written so far, each ending in a newline.
    public private(set) var text: String = ""
    /// The number of instance lines written so far.
    public private(set) var lineCount = 0

    public init(frameNumberBase: Int = 1, fixedClassId: Int? = nil, resolveOverlaps: Bool = false) {
        self.frameNumberBase = frameNumberBase
        self.fixedClassId = fixedClassId
        self.resolveOverlaps = resolveOverlaps
    }

    /// Appends one frame's instances (an empty frame writes nothing).
    ///
    /// - Complexity: O(total runs), or O(instances · pixels) with `resolveOverlaps`.
    public mutating func append(frameIndex: Int, instances: [TrackedInstance]) {
        let frame = frameIndex + frameNumberBase
        for (instance, rle) in zip(instances, resolveOverlaps ? MOTSWriter.disjoint(instances) : instances.map(\.detection.rle)) {
            let cls = fixedClassId ?? instance.detection.classId
            text += "\(frame) \(instance.trackId) \(cls) \(rle.height) \(rle.width) \(rle.compressedCounts)\n"
            lineCount += 1
        }
    }

    /// The text as UTF-8 bytes.
    public var data: Data { Data(text.utf8) }

    /// Masks with every pixel kept only by the highest-scoring instance that has it.
    static func disjoint(_ instances: [TrackedInstance]) -> [RLE] {
        let order = instances.indices.sorted { instances[$0].detection.score > instances[$1].detection.score }
        var out = instances.map(\.detection.rle)
        var taken: [Int: [UInt8]] = [:]  // keyed by height * 1_000_003 + width
        for i in order {
            let rle = instances[i].detection.rle
            let key = rle.height &* 1_000_003 &+ rle.width
            var claimed = taken[key] ?? [UInt8](repeating: 0, count: rle.pixelCount)
            var mask = rle.decode()
            guard mask.count == claimed.count else { continue }
            var changed = false
            for p in 0..<mask.count where mask[p] != 0 {
                if claimed[p] != 0 { mask[p] = 0; changed = true } else { claimed[p] = 1 }
            }
            taken[key] = claimed
            if changed { out[i] = RLE(mask: mask, height: rle.height, width: rle.width) }
        }
        return out
    }
}
