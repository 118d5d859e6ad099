// maskstream-track-eval: runs the tracker on a detections JSON and writes MOTS txt
// (for TrackEval), or times the tracker on synthetic frames.
//
//   maskstream-track-eval run <detections.json> <out-dir> [--config cfg.json] [--class-id N] [--youtube-vis results.json]
//   maskstream-track-eval bench [--instances 100] [--frames 300] [--dim 256] [--size 720x1280]
//
// Detections JSON (as tools/tracking_synth.py writes it):
//   {"sequences": [{"name": "seq", "height": H, "width": W,
//     "frames": [[{"counts": "<COCO compressed>", "class": 1, "score": 0.9, "embedding": [...]}]]}]}
import Foundation
import MaskstreamTracking

struct DetectionsFile: Decodable {
    struct Sequence: Decodable {
        var name: String
        var height: Int
        var width: Int
        var frames: [[Instance]]
    }
    struct Instance: Decodable {
        var counts: String
        var `class`: Int
        var score: Float
        var embedding: [Float]?
    }
    var sequences: [Sequence]
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    exit(2)
}

func option(_ name: String, in args: [String]) -> String? {
    guard let i = args.firstIndex(of: name) else { return nil }
    guard i + 1 < args.count else { fail("\(name) needs a value") }
    return args[i + 1]
}

func intOption(_ name: String, _ args: [String], default value: Int) -> Int {
    guard let text = option(name, in: args) else { return value }
    guard let v = Int(text), v >= 0 else { fail("\(name) must be a non-negative integer, got '\(text)'") }
    return v
}

func nanos() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// CPU time of the calling thread: unlike wall time, not inflated when a busy
/// machine preempts the process.
func threadCPUNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

func summary(_ label: String, _ samples: [Double]) -> String {
    let warm = Array(samples.dropFirst(min(5, samples.count - 1))).sorted()
    let mean = warm.reduce(0, +) / Double(warm.count)
    let p50 = warm[warm.count / 2]
    let p99 = warm[min(warm.count - 1, Int(Double(warm.count) * 0.99))]
    return String(format: "%@ mean %.3f ms p50 %.3f ms p99 %.3f ms", label, mean, p50, p99)
}

func runEval(_ args: [String]) throws {
    guard args.count >= 2 else { fail("usage: maskstream-track-eval run <detections.json> <out-dir> [--config cfg.json] [--class-id N]") }
    let input = try JSONDecoder().decode(DetectionsFile.self, from: Data(contentsOf: URL(fileURLWithPath: args[0])))
    var config = TrackerConfig()
    if let path = option("--config", in: args) {
        config = try JSONDecoder().decode(TrackerConfig.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
    try config.validate()
    let classId = option("--class-id", in: args).map { Int($0) ?? 2 }
    let outDir = URL(fileURLWithPath: args[1])
    try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true)
    var vis = YouTubeVISWriter()
    var totalNanos: UInt64 = 0
    var totalFrames = 0
    for (s, seq) in input.sequences.enumerated() {
        var tracker = Tracker(config: config)
        var writer = MOTSWriter(fixedClassId: classId)
        for (f, frame) in seq.frames.enumerated() {
            let dets = try frame.map { inst in
                Detection(rle: try RLE(compressed: inst.counts, height: seq.height, width: seq.width),
                          classId: inst.class, score: inst.score, embedding: inst.embedding ?? [])
            }
            let t0 = nanos()
            let out = tracker.update(dets)
            totalNanos += nanos() - t0
            totalFrames += 1
            writer.append(frameIndex: f, instances: out)
            try vis.append(videoId: s + 1, frameIndex: f, instances: out.map { instance in
                var copy = instance
                if let classId { copy.detection.classId = classId }
                return copy
            })
        }
        try writer.text.write(to: outDir.appendingPathComponent("\(seq.name).txt"), atomically: true, encoding: .utf8)
    }
    if let path = option("--youtube-vis", in: args) {
        try vis.data().write(to: URL(fileURLWithPath: path))
    }
    let perFrame = totalFrames > 0 ? Double(totalNanos) / Double(totalFrames) / 1e6 : 0
    print("sequences \(input.sequences.count) frames \(totalFrames) tracker ms/frame \(String(format: "%.4f", perFrame))")
}

/// Synthetic frames: `instances` drifting ellipses of varied size on a frame, with
/// noisy embeddings of dimension `dim`; times `Tracker.update` alone.
func runBench(_ args: [String]) {
    let count = intOption("--instances", args, default: 100)
    let frames = max(1, intOption("--frames", args, default: 300))
    let dim = intOption("--dim", args, default: 256)
    let size = (option("--size", in: args) ?? "720x1280").split(separator: "x").compactMap { Int($0) }
    guard size.count == 2, size[0] > 0, size[1] > 0 else { fail("--size must be HxW, for example 720x1280") }
    let (h, w) = (size[0], size[1])
    var rng = SystemRandomNumberGenerator()
    struct Obj { var cx, cy, vx, vy, rx, ry: Double; var emb: [Float]; var cls: Int }
    var objs = (0..<count).map { k in
        Obj(cx: .random(in: 0..<Double(w), using: &rng), cy: .random(in: 0..<Double(h), using: &rng),
            vx: .random(in: -3...3, using: &rng), vy: .random(in: -3...3, using: &rng),
            rx: .random(in: 10...50, using: &rng), ry: .random(in: 10...50, using: &rng),
            emb: (0..<dim).map { _ in Float.random(in: -1...1, using: &rng) }, cls: k % 80)
    }
    // Pre-build all detections so the timing covers the tracker only.
    var allFrames: [[Detection]] = []
    for _ in 0..<frames {
        var dets: [Detection] = []
        for i in objs.indices {
            objs[i].cx += objs[i].vx; objs[i].cy += objs[i].vy
            if objs[i].cx < 0 || objs[i].cx >= Double(w) { objs[i].vx = -objs[i].vx }
            if objs[i].cy < 0 || objs[i].cy >= Double(h) { objs[i].vy = -objs[i].vy }
            let o = objs[i]
            // Column-major runs of an ellipse, built directly.
            var counts: [UInt32] = []
            var inside = false
            var run = 0
            let x0 = max(0, Int(o.cx - o.rx)), x1 = min(w - 1, Int(o.cx + o.rx))
            func push(_ n: Int, _ fg: Bool) {
                if n == 0 { return }
                if fg != inside { counts.append(UInt32(run)); run = 0; inside = fg }
                run += n
            }
            for x in 0..<w {
                if x < x0 || x > x1 { push(h, false); continue }
                let dx = (Double(x) - o.cx) / o.rx
                let half = o.ry * max(0, 1 - dx * dx).squareRoot()
                let y0 = max(0, min(h, Int(o.cy - half))), y1 = max(0, min(h, Int(o.cy + half)))
                push(y0, false); push(y1 - y0, true); push(h - y1, false)
            }
            counts.append(UInt32(run))
            guard let rle = try? RLE(height: h, width: w, counts: counts) else { fail("bench built invalid runs") }
            let emb = o.emb.map { $0 + Float.random(in: -0.2...0.2, using: &rng) }
            dets.append(Detection(rle: rle, classId: o.cls, score: .random(in: 0.3...1, using: &rng), embedding: emb))
        }
        allFrames.append(dets)
    }
    var tracker = Tracker()
    var wall: [Double] = []
    var cpu: [Double] = []
    var confirmed = 0
    for dets in allFrames {
        let t0 = nanos()
        let c0 = threadCPUNanos()
        let out = tracker.update(dets)
        cpu.append(Double(threadCPUNanos() - c0) / 1e6)
        wall.append(Double(nanos() - t0) / 1e6)
        confirmed = out.count
    }
    print(String(format: "instances %d frames %d dim %d size %dx%d (last frame %d confirmed, %d ids issued), per frame:",
                 count, frames, dim, h, w, confirmed, tracker.lastIssuedId))
    print(summary("  wall", wall))
    print(summary("  thread cpu", cpu))
}

let args = Array(CommandLine.arguments.dropFirst())
do {
    switch args.first {
    case "run": try runEval(Array(args.dropFirst()))
    case "bench": runBench(Array(args.dropFirst()))
    default: fail("usage: maskstream-track-eval run <detections.json> <out-dir> [--config cfg.json] [--class-id N] | bench [--instances N] [--frames N] [--dim N] [--size HxW]")
    }
} catch {
    fail("\(error)")
}
