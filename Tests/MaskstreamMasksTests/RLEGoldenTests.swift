import Foundation
import Testing
import MaskstreamTestSupport
@testable import MaskstreamMasks

/// Byte-identity with pycocotools on the masks of `tools/make_mask_fixtures.py`.
@Suite struct RLEGoldenTests {
    struct Case: Decodable {
        var mask: String
        var counts: [UInt32]
        var compressed: String
        var area: Int
        var bbox: [Double]
    }
    struct Group: Decodable {
        var height: Int
        var width: Int
        var cases: [Case]
        var isCrowd: [Int]
        var iou: [[Double]]
        var union: String
        var intersection: String?
    }
    struct File: Decodable { var groups: [Group] }

    struct PolygonCase: Decodable {
        var height: Int
        var width: Int
        var polygons: [[Double]]
        var each: [String]
        var merged: String
    }
    struct BoxCase: Decodable {
        var height: Int
        var width: Int
        var box: [Double]
        var compressed: String
    }
    struct PolygonFile: Decodable {
        var polygons: [PolygonCase]
        var boxes: [BoxCase]
    }

    @Test func encodeDecodeMatchPycocotools() throws {
        let file = try Fixture.decode(File.self, "rle_cases.json")
        var checked = 0
        for g in file.groups {
            var rles: [RLE] = []
            for c in g.cases {
                let mask = try Fixture.unpackMask(c.mask, count: g.height * g.width)
                let rle = RLE(mask: mask, height: g.height, width: g.width)
                #expect(rle.counts == c.counts, "counts \(g.height)x\(g.width)")
                #expect(rle.compressedCounts == c.compressed, "compressed \(g.height)x\(g.width)")
                #expect(rle.area == c.area)
                #expect(rle.boundingBox.cocoArray == c.bbox, "bbox \(g.height)x\(g.width)")
                #expect(rle.decode() == mask)
                let parsed = try RLE(compressed: c.compressed, height: g.height, width: g.width)
                #expect(parsed == rle)
                rles.append(rle)
                checked += 1
            }
            let crowd = g.isCrowd.map { $0 != 0 }
            let iou = RLE.iou(rles, rles, isCrowd: crowd)
            for i in 0..<rles.count {
                for j in 0..<rles.count {
                    #expect(abs(iou[i][j] - g.iou[i][j]) < 1e-12, "iou[\(i)][\(j)] \(g.height)x\(g.width)")
                }
            }
            #expect(RLE.merge(rles).compressedCounts == g.union)
            if let inter = g.intersection {
                #expect(RLE.merge(Array(rles[2..<4]), intersect: true).compressedCounts == inter)
            }
        }
        #expect(checked > 50)
    }

    @Test func polygonsMatchPycocotools() throws {
        let file = try Fixture.decode(PolygonFile.self, "polygon_cases.json")
        for c in file.polygons {
            let each = try c.polygons.map { try RLE(polygon: $0, height: c.height, width: c.width) }
            #expect(each.map(\.compressedCounts) == c.each, "polygon \(c.polygons)")
            let merged = try RLE(polygons: c.polygons, height: c.height, width: c.width)
            #expect(merged.compressedCounts == c.merged)
        }
        for c in file.boxes {
            let box = BoundingBox(x: c.box[0], y: c.box[1], width: c.box[2], height: c.box[3])
            let rle = try RLE(box: box, height: c.height, width: c.width)
            #expect(rle.compressedCounts == c.compressed, "box \(c.box) in \(c.height)x\(c.width)")
        }
    }
}
