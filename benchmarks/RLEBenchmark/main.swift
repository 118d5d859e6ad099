// RLE encode + decode throughput on a file of row-major masks.
//
// Usage: RLEBenchmark MASKS.bin HEIGHT WIDTH COUNT [REPEATS]
//        RLEBenchmark eval GT.json PRED.json   (prints {"seconds", "stats"})
// Prints one JSON line: {"encode_s", "decode_s", "iou_s" (100x100 IoU matrix), "masks", "checksum"}
// Run through benchmarks/rle_benchmark.sh, which also times pycocotools.
import Foundation
import MaskstreamEvaluation
import MaskstreamMasks

let args = CommandLine.arguments

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

if args.count == 4 && args[1] == "eval" {
    let t0 = now()
    do {
        let report = try MaskEvaluation.evaluate(
            groundTruth: URL(fileURLWithPath: args[2]), predictions: URL(fileURLWithPath: args[3]))
        let seconds = now() - t0
        print(#"{"seconds": \#(seconds), "stats": \#(report.summary.stats)}"#)
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("\(error)\n".utf8))
        exit(1)
    }
}
guard args.count >= 5, let h = Int(args[2]), let w = Int(args[3]), let n = Int(args[4]) else {
    FileHandle.standardError.write(Data("usage: RLEBenchmark MASKS.bin HEIGHT WIDTH COUNT [REPEATS]\n".utf8))
    exit(2)
}
let repeats = args.count > 5 ? Int(args[5]) ?? 5 : 5
guard let blob = FileManager.default.contents(atPath: args[1]), blob.count == h * w * n else {
    FileHandle.standardError.write(Data("cannot read \(h * w * n) bytes from \(args[1])\n".utf8))
    exit(2)
}
let bytes = [UInt8](blob)
let masks = (0..<n).map { Array(bytes[($0 * h * w)..<(($0 + 1) * h * w)]) }

var bestEncode = Double.infinity
var bestDecode = Double.infinity
var checksum = 0
for _ in 0..<repeats {
    let t0 = now()
    var strings: [String] = []
    strings.reserveCapacity(n)
    for m in masks {
        strings.append(RLE(mask: m, height: h, width: w).compressedCounts)
    }
    let t1 = now()
    var sum = 0
    for s in strings {
        guard let rle = try? RLE(compressed: s, height: h, width: w) else { exit(1) }
        let decoded = rle.decode()
        sum &+= Int(decoded[decoded.count / 2])
    }
    let t2 = now()
    bestEncode = min(bestEncode, t1 - t0)
    bestDecode = min(bestDecode, t2 - t1)
    checksum = sum + strings.reduce(0) { $0 + $1.utf8.count }
}
// Pairwise IoU of the first 100 masks against themselves (the tracker's per-frame load).
let rles = masks.prefix(100).map { RLE(mask: $0, height: h, width: w) }
var bestIoU = Double.infinity
var iouSum = 0.0
for _ in 0..<repeats {
    let t0 = now()
    let m = RLE.iou(rles, rles, isCrowd: [])
    bestIoU = min(bestIoU, now() - t0)
    iouSum = m.reduce(0) { $0 + $1.reduce(0, +) }
}
print(
    #"{"encode_s": \#(bestEncode), "decode_s": \#(bestDecode), "iou_s": \#(bestIoU), "iou_sum": \#(iouSum), "#
        + #""masks": \#(n), "checksum": \#(checksum)}"#)
