import Foundation
import MaskstreamGPU
import MaskstreamModel

/// Times the EoMT forward pass of maskstream on one frame and prints one JSON line.
///
///     eomt-bench <model-folder> <frame.rgb> <width> <height> [iterations] [backend]
///
/// backend: `gpu` (Vulkan, best device; lavapipe on CPU-only machines) or `cpu` (the reference
/// loops). Used by benchmarks/model_forward.py. With `gpu` it also times the device frame
/// path (`submit` → `collect`: preprocessing + forward + post-processing on the device) and
/// the throughput with 1 and 2 frames in flight.
// `--profile-kernels` anywhere: also print each kernel's total device time in the forward pass
// (timestamp queries) to standard error, slowest first.
// `--forward-only`: time the forward pass alone (large layouts on CPU devices), skipping the
// frame path and the frames-in-flight runs.
// `--dump-outputs PATH`: write the last forward's class logits then mask logits (float32,
// little endian, `[queries, classes + 1]` and `[queries, maskSize, maskSize]`) to PATH, for a
// parity check against transformers (benchmarks/model_forward.py --parity).
// `--parity`: also run the CPU reference forward on the same pixels and report the largest
// logit differences (the GPU check on machines without PyTorch).
//
//     eomt-bench make-random <folder> <tiny|small|large> [seed] [image-size] [F32|F16]
// writes a seeded random model (weights F32 by default) and a 640×480 frame.rgb into <folder>
// (RandomModel.swift).
if CommandLine.arguments.count >= 4, CommandLine.arguments[1] == "make-random" {
    let a = CommandLine.arguments
    do {
        let folder = URL(fileURLWithPath: a[2])
        try RandomModel.write(folder: folder, layout: a[3], seed: a.count > 4 ? UInt64(a[4]) ?? 1 : 1,
                              imageSize: a.count > 5 ? Int(a[5]) ?? 640 : 640, halves: a.count > 6 && a[6] == "F16")
        try Data(RandomModel.frame(width: 640, height: 480)).write(to: folder.appendingPathComponent("frame.rgb"))
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("eomt-bench: \(error)\n".utf8))
        exit(1)
    }
}
let profileKernels = CommandLine.arguments.contains("--profile-kernels")
let forwardOnly = CommandLine.arguments.contains("--forward-only")
let parity = CommandLine.arguments.contains("--parity")
var rawArgs = CommandLine.arguments
var dumpPath: String?
if let i = rawArgs.firstIndex(of: "--dump-outputs"), i + 1 < rawArgs.count {
    dumpPath = rawArgs[i + 1]
    rawArgs.removeSubrange(i...(i + 1))
}
// `--precision auto|fp32|fp16` (default auto, as the pipeline): how the device stores the linear
// weights (`model.precision`); the JSON line reports the resolved one.
var precision = ModelPrecision.auto
if let i = rawArgs.firstIndex(of: "--precision"), i + 1 < rawArgs.count {
    guard let p = ModelPrecision(rawValue: rawArgs[i + 1]) else {
        FileHandle.standardError.write(Data("eomt-bench: --precision takes auto, fp32 or fp16\n".utf8))
        exit(2)
    }
    precision = p
    rawArgs.removeSubrange(i...(i + 1))
}
// `--batch N`: also time the device frame path with N copies of the frame per submission (one
// forward pass with a batch dimension) against N one-frame submissions, alternating, with two
// batches in flight; reports frames per second of both and their ratio.
var batchSize = 1
if let i = rawArgs.firstIndex(of: "--batch"), i + 1 < rawArgs.count {
    guard let n = Int(rawArgs[i + 1]), SegmenterOptions.batchRange.contains(n) else {
        FileHandle.standardError.write(Data("eomt-bench: --batch takes 1...16\n".utf8))
        exit(2)
    }
    batchSize = n
    rawArgs.removeSubrange(i...(i + 1))
}
// `--tiles RxC,RxC`: the texels kernel's tiles for long and short (≤ 128) reductions instead of the
// profile's (rows × columns per lane), for tuning.
var tiles: [LaneTile] = []
if let i = rawArgs.firstIndex(of: "--tiles"), i + 1 < rawArgs.count {
    tiles = rawArgs[i + 1].split(separator: ",").compactMap { spec in
        let p = spec.split(separator: "x").compactMap { Int($0) }
        return p.count == 2 ? LaneTile(rows: p[0], columnsPerLane: p[1]) : nil
    }
    rawArgs.removeSubrange(i...(i + 1))
}
// `--unpadded-weights`: store every linear weight with k-long rows (A/B of
// `KernelProfile.weightRowStride`).
let unpaddedWeights = rawArgs.contains("--unpadded-weights")
rawArgs.removeAll { $0 == "--unpadded-weights" }
let args = rawArgs.filter { !["--profile-kernels", "--forward-only", "--parity"].contains($0) }
guard args.count >= 5, let width = Int(args[3]), let height = Int(args[4]) else {
    let usage = "usage: eomt-bench <model-folder> <frame.rgb> <width> <height> [iterations] [backend]\n"
    FileHandle.standardError.write(Data(usage.utf8))
    exit(2)
}
let iterations = args.count > 5 ? Int(args[5]) ?? 3 : 3
let backend = args.count > 6 ? args[6] : "gpu"
/// Total device time per kernel, slowest first, as a Markdown table.
func kernelTable(_ times: [(kernel: String, seconds: Double)]) -> String {
    var totals: [String: (seconds: Double, calls: Int)] = [:]
    for (kernel, seconds) in times {
        totals[kernel, default: (0, 0)].seconds += seconds
        totals[kernel, default: (0, 0)].calls += 1
    }
    let all = totals.values.map(\.seconds).reduce(0, +)
    var lines = "| kernel | calls | ms | share |\n| --- | ---: | ---: | ---: |\n"
    for (kernel, t) in totals.sorted(by: { $0.value.seconds > $1.value.seconds }) {
        lines += "| \(kernel) | \(t.calls) | \(String(format: "%.2f", t.seconds * 1e3)) | "
            + "\(String(format: "%.1f", 100 * t.seconds / max(all, 1e-12))) % |\n"
    }
    return lines + "| total | \(times.count) | \(String(format: "%.2f", all * 1e3)) | |\n"
}

do {
    let loadStart = Date()
    let device = backend == "gpu" ? try VulkanDevice() : nil
    if profileKernels { device?.profilesKernels = true }
    if let device, unpaddedWeights { device.kernelProfile.padsWeightRows = false }
    if let device, tiles.count == 2 {
        device.kernelProfile.texelTile = tiles[0]
        device.kernelProfile.texelTileShortK = tiles[1]
    }
    let folder = URL(fileURLWithPath: args[1])
    // One frame lane when only the forward pass is timed (large layouts: device memory is host
    // memory on CPU devices, and peak RSS is reported).
    let model = try EomtModel(folder: folder, device: device,
                              options: SegmenterOptions(framesInFlight: forwardOnly ? 1 : 2, precision: precision))
    let loadSeconds = Date().timeIntervalSince(loadStart)
    /// Peak resident memory of this process so far, in MiB: /proc/self/status VmHWM (getrusage's
    /// ru_maxrss survives exec, so it would report the parent's size when a large Python process,
    /// e.g. model_forward.py with torch, starts this one).
    func peakRSS() -> Double {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }
        let kib = line.flatMap { Double($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
        return kib / 1024
    }
    // Peak while loading: file map, host conversions and (on CPU devices) the device's copy.
    let loadPeakRSS = peakRSS()
    let rgb = [UInt8](try Data(contentsOf: URL(fileURLWithPath: args[2])))
    let (pixels, resized) = try model.preprocessor.pixelValues(rgb: rgb, width: width, height: height)
    let deviceMemoryAfterLoad = device?.memoryInUse.current ?? 0
    var forwardTimes: [Double] = []
    var predictTimes: [Double] = []
    var instances = 0
    // With several iterations one untimed pass first compiles the pipelines (~0.2 s on lavapipe), so
    // the median is the steady state; a single iteration (EoMT-L) includes it.
    if iterations > 1 { _ = try model.forward(pixels: pixels) }
    for _ in 0..<max(iterations, 1) {
        let t0 = Date()
        let out = try model.forward(pixels: pixels)
        if let dumpPath {
            var bytes = Data()
            for v in out.classLogits + out.maskLogits { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
            try bytes.write(to: URL(fileURLWithPath: dumpPath))
        }
        let t1 = Date()
        let found = try model.postprocessor.instances(out, frameHeight: height, frameWidth: width, resized: resized,
                                                      threshold: 0.5, topK: nil)
        let t2 = Date()
        forwardTimes.append(t1.timeIntervalSince(t0))
        predictTimes.append(t2.timeIntervalSince(t0))
        instances = found.count
    }
    func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
    // The device frame path: preprocessing, forward and mask post-processing in one command
    // buffer (`submit` → `collect`), then throughput with 1 and 2 frames in flight (host work
    // on one frame overlapping the device's work on the next).
    var framePathTimes: [Double] = []
    var frameInstances = -1
    var inFlightFPS: [String: Double] = [:]
    if let device, !forwardOnly {
        for _ in 0..<max(iterations, 1) {
            let t0 = Date()
            frameInstances = try model.collect(try model.submit(rgb: rgb, width: width, height: height)).segments.count
            framePathTimes.append(Date().timeIntervalSince(t0))
        }
        for inFlight in [1, 2] {
            let m = try EomtModel(folder: folder, device: device,
                                  options: SegmenterOptions(framesInFlight: inFlight, precision: precision))
            _ = try m.collect(try m.submit(rgb: rgb, width: width, height: height))
            let n = max(iterations, 1) * 2
            var pending: [SegmentTicket] = []
            let t0 = Date()
            for _ in 0..<n {
                if pending.count == inFlight { _ = try m.collect(pending.removeFirst()) }
                pending.append(try m.submit(rgb: rgb, width: width, height: height))
            }
            for t in pending { _ = try m.collect(t) }
            inFlightFPS["\(inFlight)"] = Double(n) / Date().timeIntervalSince(t0)
        }
    }
    var batchFPS: [String: [Double]] = [:]
    if let device, batchSize > 1 {
        let options = { (b: Int) in SegmenterOptions(framesInFlight: 2, precision: precision, batch: b) }
        let models = [1: try EomtModel(folder: folder, device: device, options: options(1)),
                      batchSize: try EomtModel(folder: folder, device: device, options: options(batchSize))]
        let frame = SegmenterFrame(rgb: rgb, width: width, height: height)
        for round in 0..<(2 * max(iterations, 1)) {
            let b = round % 2 == 0 ? 1 : batchSize
            guard let m = models[b] else { continue }
            _ = try m.collectBatch(try m.submit(Array(repeating: frame, count: b)))
            let frames = 4 * batchSize
            var pending: [SegmentTicket] = []
            let t0 = Date()
            for _ in 0..<(frames / b) {
                if pending.count == 2 { _ = try m.collectBatch(pending.removeFirst()) }
                pending.append(try m.submit(Array(repeating: frame, count: b)))
            }
            for t in pending { _ = try m.collectBatch(t) }
            batchFPS["\(b)", default: []].append(Double(frames) / Date().timeIntervalSince(t0))
        }
        if profileKernels, let m = models[batchSize] {
            let table = kernelTable(try m.kernelTimes(lane: 0))
            FileHandle.standardError.write(Data("\nframe path, batch of \(batchSize)\n\(table)".utf8))
        }
    }
    var kernelMilliseconds: [String: Double] = [:]
    if profileKernels, device != nil {
        let forward = try model.forwardKernelTimes()
        FileHandle.standardError.write(Data(("forward pass\n" + kernelTable(forward)).utf8))
        for (kernel, seconds) in forward { kernelMilliseconds[kernel, default: 0] += seconds * 1e3 }
        if !forwardOnly {
            let frame = try model.kernelTimes(lane: 0)
            FileHandle.standardError.write(Data(("\nframe path (preprocess, forward, postprocess)\n" + kernelTable(frame)).utf8))
        }
    }
    var result: [String: Any] = [
        "backend": backend, "precision": model.precision.rawValue, "device": device.map { "\($0.info.name) (\($0.info.kind))" } ?? "cpu reference",
        "driver": device?.info.driver ?? "", "kernels": device?.info.kernelSummary ?? "",
        "iterations": forwardTimes.count, "load_s": loadSeconds,
        "forward_s_median": median(forwardTimes), "forward_s_all": forwardTimes,
        "forward_plus_postprocess_s_median": median(predictTimes), "instances": instances,
        "device_frame_path_s_median": framePathTimes.isEmpty ? -1 : median(framePathTimes),
        "device_frame_path_instances": frameInstances,
        "frames_in_flight_fps": inFlightFPS,
    ]
    if let single = batchFPS["1"], let batched = batchFPS["\(batchSize)"] {
        // Frames per second of each round, one-frame and batched submissions alternating.
        result["batch"] = batchSize
        result["batch_fps_one_frame"] = single
        result["batch_fps_batched"] = batched
        result["batch_speedup_median"] = median(zip(batched, single).map { $0 / $1 })
    }
    if parity, device != nil {
        // The device forward against the Swift CPU reference on the same pixels.
        let gpu = try model.forward(pixels: pixels)
        let t0 = Date()
        let cpu = try model.reference.forward(pixels: pixels)
        func maxDiff(_ a: [Float], _ b: [Float]) -> Double {
            zip(a, b).reduce(0) { max($0, Double(abs($1.0 - $1.1))) }
        }
        result["parity_reference_s"] = Date().timeIntervalSince(t0)
        result["parity_class_logits_max_abs_diff"] = maxDiff(gpu.classLogits, cpu.classLogits)
        result["parity_mask_logits_max_abs_diff"] = maxDiff(gpu.maskLogits, cpu.maskLogits)
        result["parity_ok"] = max(maxDiff(gpu.classLogits, cpu.classLogits), maxDiff(gpu.maskLogits, cpu.maskLogits)) <= 1e-3
    }
    // Peak resident memory of this process (on lavapipe device buffers are host memory too),
    // while loading and overall (with the activations of the forward passes).
    result["load_peak_rss_mib"] = loadPeakRSS
    result["peak_rss_mib"] = peakRSS()
    // Device memory in buffers: after loading (weights and lanes), and the most at once.
    result["device_memory_after_load_mib"] = Double(deviceMemoryAfterLoad) / 1_048_576
    result["device_memory_peak_mib"] = Double(device?.memoryInUse.peak ?? 0) / 1_048_576
    result["weights_file_mib"] = Double((try? FileManager.default.attributesOfItem(
        atPath: folder.appendingPathComponent("model.safetensors").path)[.size] as? Int) ?? 0) / 1_048_576
    if profileKernels {
        // Device time of the last forward pass per kernel, and of its attention (Q·Kᵀ, softmax, P·V).
        result["kernel_ms"] = kernelMilliseconds
        result["attention_ms"] = kernelMilliseconds.filter { $0.key.hasPrefix("attention/") }.values.reduce(0, +)
    }
    let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
} catch {
    FileHandle.standardError.write(Data("eomt-bench: \(error)\n".utf8))
    exit(1)
}
