import Foundation

/// How a frame becomes the model input, read from a Hugging Face `preprocessor_config.json`
/// (`EomtImageProcessor`): resize so the longer side fits `longestEdge` (keeping the aspect
/// ratio), pad right/bottom to the square input, rescale and normalize.
public struct EomtImageProcessorConfig: Sendable, Equatable {
    public var shortestEdge: Int
    public var longestEdge: Int
    public var doResize: Bool
    public var doRescale: Bool
    public var rescaleFactor: Double
    public var doNormalize: Bool
    public var imageMean: [Double]
    public var imageStd: [Double]
    public var doPad: Bool

    /// The defaults transformers uses when there is no `preprocessor_config.json`, with padding
    /// on (released EoMT checkpoints pad).
    public static func defaults(imageSize: Int) -> EomtImageProcessorConfig {
        EomtImageProcessorConfig(shortestEdge: imageSize, longestEdge: imageSize, doResize: true, doRescale: true,
                                 rescaleFactor: 1.0 / 255.0, doNormalize: true, imageMean: [0.485, 0.456, 0.406],
                                 imageStd: [0.229, 0.224, 0.225], doPad: true)
    }
}

extension EomtImageProcessorConfig {
    /// Reads and validates `preprocessor_config.json`.
    public init(contentsOf url: URL, imageSize: Int) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw MaskstreamError(.notFound, "cannot read '\(url.path)'")
        }
        try self.init(json: data, imageSize: imageSize, name: url.lastPathComponent)
    }

    /// Parses a `preprocessor_config.json` body.
    public init(json data: Data, imageSize: Int, name: String = "preprocessor_config.json") throws {
        func bad(_ why: String) -> MaskstreamError {
            MaskstreamError(
                .malformedModel, "\(name): \(why); use the preprocessor_config.json saved with the EoMT checkpoint")
        }
        guard let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw bad("not a JSON object")
        }
        var c = EomtImageProcessorConfig.defaults(imageSize: imageSize)
        c.doPad = false  // transformers' EomtImageProcessor default
        func bool(_ key: String, _ def: Bool) throws -> Bool {
            guard let v = obj[key] else { return def }
            guard let b = v as? Bool else { throw bad("'\(key)' must be true or false") }
            return b
        }
        func numbers(_ key: String, _ def: [Double]) throws -> [Double] {
            guard let v = obj[key] else { return def }
            if let n = v as? NSNumber { return [n.doubleValue, n.doubleValue, n.doubleValue] }
            guard let a = v as? [NSNumber], a.count == 3 else { throw bad("'\(key)' must be a number or 3 numbers") }
            return a.map(\.doubleValue)
        }
        if let size = obj["size"] {
            guard let s = size as? [String: Any] else { throw bad("'size' must be an object") }
            if let se = s["shortest_edge"] as? Int {
                c.shortestEdge = se
                c.longestEdge = (s["longest_edge"] as? Int) ?? se
            } else if let h = s["height"] as? Int, let w = s["width"] as? Int, h == w {
                c.shortestEdge = h
                c.longestEdge = h
            } else {
                throw bad("'size' must have 'shortest_edge' (and 'longest_edge')")
            }
        }
        c.doResize = try bool("do_resize", true)
        c.doRescale = try bool("do_rescale", true)
        if let v = obj["rescale_factor"] {
            guard let n = v as? NSNumber, n.doubleValue.isFinite else { throw bad("'rescale_factor' must be a number") }
            c.rescaleFactor = n.doubleValue
        }
        c.doNormalize = try bool("do_normalize", true)
        c.imageMean = try numbers("image_mean", c.imageMean)
        c.imageStd = try numbers("image_std", c.imageStd)
        c.doPad = try bool("do_pad", false)
        if try bool("do_split_image", false) {
            throw MaskstreamError(
                .unsupported,
                "\(name): do_split_image (sliding-window semantic inference) is not supported for instance "
                    + "segmentation; set it to false"
            )
        }
        if let r = obj["resample"] {
            guard let n = r as? Int, n == 2 else {
                throw MaskstreamError(.unsupported, "\(name): resample \(r) is not supported; EoMT uses 2 (bilinear)")
            }
        }
        guard c.shortestEdge > 0, c.longestEdge > 0, c.shortestEdge <= 8192, c.longestEdge <= 8192 else {
            throw bad("size edges must be positive")
        }
        guard c.imageStd.allSatisfy({ $0 != 0 && $0.isFinite }), c.imageMean.allSatisfy(\.isFinite) else {
            throw bad("image_std must be non-zero")
        }
        self = c
    }

    /// The size (height, width) a frame is resized to before padding: transformers'
    /// `get_size_with_aspect_ratio(frame, shortest_edge, longest_edge)`.
    public func resizedSize(height: Int, width: Int) -> (height: Int, width: Int) {
        guard doResize else { return (height, width) }
        var size = Double(shortestEdge)
        var rawSize: Double?
        let minSide = Double(min(height, width)), maxSide = Double(max(height, width))
        if maxSide / minSide * size > Double(longestEdge) {
            let raw = Double(longestEdge) * minSide / maxSide
            rawSize = raw
            size = raw.rounded(.toNearestOrEven)
        }
        let s = Int(size)
        if (height <= width && height == s) || (width <= height && width == s) {
            return (height, width)
        } else if width < height {
            let oh =
                rawSize.map { Int($0 * Double(height) / Double(width)) }
                ?? Int(Double(s) * Double(height) / Double(width))
            return (oh, s)
        } else {
            let ow =
                rawSize.map { Int($0 * Double(width) / Double(height)) }
                ?? Int(Double(s) * Double(width) / Double(height))
            return (s, ow)
        }
    }

    /// The padded input size (height, width): `(shortest_edge, longest_edge)`.
    public var paddedSize: (height: Int, width: Int) { (shortestEdge, longestEdge) }
}
