import Foundation
import Testing
@testable import MaskstreamModel

/// One golden case written by tools/make_eomt_fixtures.py.
struct GoldenFixture {
    struct Segment: Decodable { var query: Int; var label_id: Int; var score: Double }
    struct Meta: Decodable {
        var frame_height: Int
        var frame_width: Int
        var class_logits_shape: [Int]
        var mask_logits_shape: [Int]
        var pixel_values_shape: [Int]
        var mask_stride: Int
        var threshold: Double
        var segments: [Segment]
        var num_masks: Int
        var query_scores: [Double]
    }

    static let names = ["tiny_gelu", "tiny_swiglu_bf16", "coco_small_shaped_f16"]

    let name: String
    let folder: URL
    let meta: Meta

    var modelFolder: URL { folder.appendingPathComponent("model") }

    static var root: URL {
        get throws {
            guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
                throw MaskstreamError(.notFound, "test fixtures are missing from the bundle")
            }
            return url
        }
    }

    init(_ name: String) throws {
        self.name = name
        folder = try Self.root.appendingPathComponent(name)
        meta = try JSONDecoder().decode(Meta.self, from: Data(contentsOf: folder.appendingPathComponent("meta.json")))
    }

    func bytes(_ file: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: folder.appendingPathComponent(file))) }

    func floats(_ file: String) throws -> [Float] {
        let b = try bytes(file)
        return stride(from: 0, to: b.count, by: 4).map { i in
            Float(bitPattern: UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24)
        }
    }

    var frame: [UInt8] { get throws { try bytes("frame.rgb") } }
}

/// max |a − b| over two equally long arrays (∞ when lengths differ).
func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count else { return .infinity }
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// Every `stride`-th row and column of a `[n, side, side]` array.
func subsample(_ x: [Float], planes: Int, side: Int, stride s: Int) -> [Float] {
    var out: [Float] = []
    for p in 0..<planes {
        for y in Swift.stride(from: 0, to: side, by: s) {
            for xx in Swift.stride(from: 0, to: side, by: s) { out.append(x[(p * side + y) * side + xx]) }
        }
    }
    return out
}

/// Intersection over union of two binary masks.
func maskIoU(_ a: [UInt8], _ b: [UInt8]) -> Double {
    var inter = 0, union = 0
    for (x, y) in zip(a, b) {
        if x != 0 && y != 0 { inter += 1 }
        if x != 0 || y != 0 { union += 1 }
    }
    return union == 0 ? 1 : Double(inter) / Double(union)
}
