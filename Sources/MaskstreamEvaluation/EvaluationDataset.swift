import Foundation

/// One ground-truth or predicted instance prepared for evaluation: an image
/// instance (one mask) or a video track (one optional mask per frame).
struct EvalInstance: Sendable {
    /// Annotation id (ground truth, from the file) or 1-based index (predictions).
    var id: Int
    /// The image or video and the category, which COCO evaluation matches within.
    var key: SampleCategory
    var score: Double
    /// The area used for COCO's small/medium/large ranges.
    var area: Double
    var isCrowd: Bool
    /// One mask for images; one per frame (nil where absent) for videos.
    var masks: [RLE?]
}

/// An image or video id with a category id: the unit of COCO matching.
struct SampleCategory: Hashable, Sendable {
    var sample: Int
    var category: Int
}

/// Ground truth and predictions in one shape for both COCO and YouTube-VIS.
struct EvaluationDataset: Sendable {
    var format: EvaluationReport.Format
    /// Sorted image or video ids of the ground truth.
    var sampleIDs: [Int]
    /// Sorted category ids with their names.
    var categories: [(id: Int, name: String)]
    var groundTruth: [EvalInstance]
    var predictions: [EvalInstance]
}

// MARK: - File schema

private struct FlexibleBool: Decodable {
    var value: Bool
    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) {
            value = b
        } else {
            value = try c.decode(Double.self) != 0
        }
    }
}

private struct CategoryEntry: Decodable {
    var id: Int
    var name: String?
}

private struct SampleEntry: Decodable {
    var id: Int
    var height: Int
    var width: Int
}

private struct GroundTruthFile: Decodable {
    var images: [SampleEntry]?
    var videos: [SampleEntry]?
    var categories: [CategoryEntry]?
    var annotations: [Annotation]

    struct Annotation: Decodable {
        var id: Int
        var image_id: Int?
        var video_id: Int?
        var category_id: Int
        var segmentation: Segmentation?
        var segmentations: [Segmentation?]?
        var area: Double?
        var areas: [Double?]?
        var iscrowd: FlexibleBool?
    }
}

private struct PredictionEntry: Decodable {
    var image_id: Int?
    var video_id: Int?
    var category_id: Int
    var score: Double
    var segmentation: Segmentation?
    var segmentations: [Segmentation?]?
    var bbox: [Double]?
}

private struct WrappedPredictions: Decodable {
    var annotations: [PredictionEntry]
}

// MARK: - Loading

extension EvaluationDataset {
    /// Parses a COCO instances or YouTube-VIS ground-truth file and a results list.
    ///
    /// Mirrors pycocotools `COCO.loadRes` and `COCOeval._prepare` (and the
    /// YouTube-VIS fork for videos): GT areas come from the file, prediction areas
    /// from their masks (or, when the first prediction has a `bbox`, from the box
    /// as `loadRes` does), predictions get ids 1, 2, … in file order.
    ///
    /// - Throws: `MaskstreamError.invalidInput` for malformed JSON, a results
    ///   list that refers to unknown images/videos, or malformed masks.
    static func load(groundTruth: Data, predictions: Data) throws -> EvaluationDataset {
        let gt: GroundTruthFile
        do {
            gt = try JSONDecoder().decode(GroundTruthFile.self, from: groundTruth)
        } catch let error as MaskstreamError {
            throw error
        } catch {
            throw MaskstreamError(
                .invalidInput,
                "ground truth is not a COCO instances or YouTube-VIS JSON file (\(describe(error))): "
                    + "it needs 'images' or 'videos', 'annotations' and 'categories'",
                cause: error)
        }
        let preds: [PredictionEntry]
        do {
            let firstByte = predictions.first { !(" \n\r\t".utf8.contains($0)) }
            if firstByte == UInt8(ascii: "{") {
                preds = try JSONDecoder().decode(WrappedPredictions.self, from: predictions).annotations
            } else {
                preds = try JSONDecoder().decode([PredictionEntry].self, from: predictions)
            }
        } catch {
            throw MaskstreamError(
                .invalidInput,
                "predictions are not a COCO/YouTube-VIS results list (\(describe(error))): expected "
                    + "[{\"image_id\"|\"video_id\", \"category_id\", \"score\", "
                    + "\"segmentation\"|\"segmentations\"}, ...]",
                cause: error)
        }
        let isVideo: Bool
        let samples: [SampleEntry]
        if let videos = gt.videos {
            isVideo = true
            samples = videos
        } else if let images = gt.images {
            isVideo = false
            samples = images
        } else {
            throw MaskstreamError(
                .invalidInput, "ground truth has neither 'images' (COCO) nor 'videos' (YouTube-VIS)")
        }
        var sizes: [Int: (h: Int, w: Int)] = [:]
        for s in samples { sizes[s.id] = (s.height, s.width) }
        let sampleIDs = Array(Set(samples.map(\.id))).sorted()
        var names: [Int: String] = [:]
        for c in gt.categories ?? [] { names[c.id] = c.name ?? "\(c.id)" }
        let categories = names.keys.sorted().map { (id: $0, name: names[$0] ?? "\($0)") }

        var gtInstances: [EvalInstance] = []
        gtInstances.reserveCapacity(gt.annotations.count)
        for a in gt.annotations {
            let kind = isVideo ? "video" : "image"
            guard let sid = isVideo ? a.video_id : a.image_id else {
                throw MaskstreamError(
                    .invalidInput, "ground-truth annotation \(a.id) has no '\(kind)_id'")
            }
            guard let size = sizes[sid] else {
                throw MaskstreamError(
                    .invalidInput, "ground-truth annotation \(a.id) refers to unknown \(kind) \(sid)")
            }
            let masks: [RLE?]
            let area: Double
            if isVideo {
                guard let segs = a.segmentations else {
                    throw MaskstreamError(
                        .invalidInput, "YouTube-VIS annotation \(a.id) has no 'segmentations' list")
                }
                masks = try segs.map { try $0?.rle(height: size.h, width: size.w) }
                if let areas = a.areas {
                    area = averageArea(areas)
                } else {
                    area = averageArea(masks.map { $0.map { Double($0.area) } })
                }
            } else {
                guard let seg = a.segmentation else {
                    throw MaskstreamError(.invalidInput, "COCO annotation \(a.id) has no 'segmentation'")
                }
                let rle = try seg.rle(height: size.h, width: size.w)
                masks = [rle]
                area = a.area ?? Double(rle.area)
            }
            gtInstances.append(
                EvalInstance(
                    id: a.id, key: SampleCategory(sample: sid, category: a.category_id), score: 0, area: area,
                    isCrowd: a.iscrowd?.value ?? false, masks: masks))
        }

        let knownSamples = Set(sampleIDs)
        let boxArea = !isVideo && !(preds.first?.bbox?.isEmpty ?? true)
        var dtInstances: [EvalInstance] = []
        dtInstances.reserveCapacity(preds.count)
        for (index, p) in preds.enumerated() {
            let kind = isVideo ? "video" : "image"
            guard let sid = isVideo ? p.video_id : p.image_id else {
                throw MaskstreamError(.invalidInput, "prediction \(index) has no '\(kind)_id'")
            }
            guard knownSamples.contains(sid), let size = sizes[sid] else {
                throw MaskstreamError(
                    .invalidInput,
                    "prediction \(index) refers to \(kind) \(sid), which is not in the ground truth: "
                        + "evaluate against the matching annotation file")
            }
            guard p.score.isFinite else {
                throw MaskstreamError(.invalidInput, "prediction \(index) has a non-finite score")
            }
            let masks: [RLE?]
            let area: Double
            if isVideo {
                guard let segs = p.segmentations else {
                    throw MaskstreamError(.invalidInput, "YouTube-VIS prediction \(index) has no 'segmentations'")
                }
                masks = try segs.map { try $0?.rle(height: size.h, width: size.w) }
                area = averageArea(masks.map { $0.map { Double($0.area) } })
            } else {
                guard let seg = p.segmentation else {
                    throw MaskstreamError(
                        .invalidInput, "prediction \(index) has no 'segmentation': segm evaluation needs masks")
                }
                let rle = try seg.rle(height: size.h, width: size.w)
                masks = [rle]
                if boxArea, let b = p.bbox, b.count == 4 {
                    area = b[2] * b[3]
                } else {
                    area = Double(rle.area)
                }
            }
            dtInstances.append(
                EvalInstance(
                    id: index + 1, key: SampleCategory(sample: sid, category: p.category_id), score: p.score,
                    area: area, isCrowd: false, masks: masks))
        }
        return EvaluationDataset(
            format: isVideo ? .youtubeVIS : .coco, sampleIDs: sampleIDs, categories: categories,
            groundTruth: gtInstances, predictions: dtInstances)
    }

    /// Mean of the present, nonzero areas (YouTube-VIS `avg_area`); 0 when none.
    static func averageArea(_ areas: [Double?]) -> Double {
        var sum = 0.0
        var n = 0
        for case let a? in areas where a != 0 {
            sum += a
            n += 1
        }
        return n == 0 ? 0 : sum / Double(n)
    }

    static func describe(_ error: any Error) -> String {
        if let e = error as? MaskstreamError { return e.message }
        switch error as? DecodingError {
        case .keyNotFound(let key, let ctx)?:
            return "missing key '\(key.stringValue)' at \(path(ctx.codingPath))"
        case .typeMismatch(_, let ctx)?, .valueNotFound(_, let ctx)?, .dataCorrupted(let ctx)?:
            return "\(ctx.debugDescription) at \(path(ctx.codingPath))"
        default:
            return "\(error)"
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.isEmpty ? "top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}
