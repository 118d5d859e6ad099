import Foundation

/// Keeps frames whose predictions are uncertain, for labeling (`capture:`): an instance scoring
/// near the emit threshold, a tracked mask of low mask score, a track starting or ending, input
/// drift past a bound. At most
/// `budget_per_hour` frames per hour of each source's video (a token bucket holding a minute's
/// share), `min_gap` seconds apart, written as
/// a COCO dataset that CVAT and Label Studio import: `images/<source>-<frame>.jpg` and
/// `annotations.json` (the predicted masks as COCO RLE, categories from the model). Each image
/// entry also says why it was kept (`maskstream.reasons`).
final class CaptureSink: FrameSink {
    let name = "capture"
    var needs: SinkNeeds { .pixels }

    private let settings: PipelineConfig.Capture
    private let threshold: Double
    private let categoryIdOffset: Int
    private let drift: (Int) -> Double?
    private let folder: URL
    private var labels: [Int: String] = [:]
    private var encoders: [String: JPEGEncoder] = [:]
    private struct SourceState {
        var tracks = Set<Int>()
        /// The budget's token bucket: frames that may be kept now, refilled by media time.
        var tokens: Double?
        var refilledAt: Double?
        var lastKept: Double?
    }
    private var states: [Int: SourceState] = [:]
    private var images: [[String: Any]] = []
    private var annotations: [[String: Any]] = []

    init(_ settings: PipelineConfig.Capture, threshold: Double, categoryIdOffset: Int,
         drift: @escaping (Int) -> Double?) throws {
        self.settings = settings
        self.threshold = threshold
        self.categoryIdOffset = categoryIdOffset
        self.drift = drift
        folder = URL(fileURLWithPath: settings.path)
        do {
            try FileManager.default.createDirectory(at: folder.appending(path: "images"),
                                                    withIntermediateDirectories: true)
        } catch {
            throw MaskstreamError(.io, "capture.path '\(settings.path)': cannot create the folder: "
                                  + error.localizedDescription)
        }
    }

    func begin(source: SourceContext) throws {
        labels.merge(source.labels) { a, _ in a }
        states[source.id] = SourceState()
    }

    /// Why this frame is worth labeling (empty: it is not).
    private func reasons(_ frame: Emission, state: SourceState) -> [String] {
        let record = frame.record
        var out: [String] = []
        let margin = settings.scoreMargin
        if margin > 0, record.instances.contains(where: { abs($0.score - threshold) <= margin }) {
            out.append("score_near_threshold")
        }
        if settings.minMaskScore > 0,
           frame.tracks.contains(where: { Double($0.detection.maskScore) < settings.minMaskScore }) {
            out.append("low_mask_score")
        }
        let ids = Set(record.instances.compactMap(\.trackId))
        if settings.births, !ids.subtracting(state.tracks).isEmpty { out.append("track_start") }
        if settings.deaths, !state.tracks.subtracting(ids).isEmpty { out.append("track_end") }
        if settings.drift < 1, let d = drift(record.source), d >= settings.drift { out.append("input_drift") }
        return out
    }

    func write(_ frame: Emission) throws {
        let record = frame.record
        var state = states[record.source] ?? SourceState()
        defer { states[record.source] = state }
        let why = reasons(frame, state: state)
        state.tracks = Set(record.instances.compactMap(\.trackId))
        guard !why.isEmpty, let rgb = frame.media.rgb else { return }
        let now = record.time
        // A token bucket: `budget_per_hour` frames an hour of video, in bursts of at most a
        // minute's share (one frame at least).
        let rate = Double(settings.budgetPerHour) / 3600, burst = max(1, Double(settings.budgetPerHour) / 60)
        var tokens = state.tokens ?? burst
        if let then = state.refilledAt { tokens = min(burst, tokens + max(0, now - then) * rate) }
        state.tokens = tokens
        state.refilledAt = now
        if let last = state.lastKept, now - last < settings.minGap { return }
        guard tokens >= 1 else { return }
        state.tokens = tokens - 1
        state.lastKept = now

        let key = "\(record.width)x\(record.height)"
        let encoder = try encoders[key] ?? JPEGEncoder(width: record.width, height: record.height,
                                                       quality: settings.quality)
        encoders[key] = encoder
        let file = "images/\(record.source)-\(String(format: "%06d", record.frame)).jpg"
        do { try Data(try encoder.encode(rgb: rgb)).write(to: folder.appending(path: file)) } catch {
            throw MaskstreamError(.io, "capture: cannot write '\(folder.appending(path: file).path)': \(error)")
        }
        let imageId = images.count + 1
        var reasonsBy: [String: Any] = ["source": record.source, "frame": record.frame, "time": record.time,
                                        "reasons": why]
        if let file = record.file { reasonsBy["source_file"] = file }
        images.append(["id": imageId, "file_name": file, "width": record.width, "height": record.height,
                       "maskstream": reasonsBy])
        for instance in record.instances {
            var a: [String: Any] = [
                "id": annotations.count + 1, "image_id": imageId, "category_id": instance.categoryId,
                "segmentation": ["size": [record.height, record.width],
                                 "counts": instance.segmentation.compressedCounts],
                "area": instance.segmentation.area, "bbox": instance.bbox, "iscrowd": 0, "score": instance.score,
            ]
            if let id = instance.trackId { a["track_id"] = id }
            annotations.append(a)
        }
    }

    func finish() throws {
        let categories = labels.sorted { $0.key < $1.key }.map { id, name -> [String: Any] in
            ["id": id + categoryIdOffset, "name": name, "supercategory": ""]
        }
        let dataset: [String: Any] = [
            "info": ["description": "maskstream capture: uncertain frames with predicted masks, for labeling"],
            "images": images, "annotations": annotations, "categories": categories,
        ]
        let url = folder.appending(path: "annotations.json")
        do {
            let data = try JSONSerialization.data(withJSONObject: dataset, options: [.sortedKeys])
            try data.write(to: url, options: .atomic)
        } catch {
            throw MaskstreamError(.io, "capture: cannot write '\(url.path)': \(error)")
        }
    }
}
