import Foundation
import MaskstreamModel

/// Times the EoMT forward pass of maskstream on one frame and prints one JSON line.
///
///     eomt-bench <model-folder> <frame.rgb> <width> <height> [iterations] [backend]
///
/// backend: `cpu` (the reference loops). Used by benchmarks/model_forward.py.
let args = CommandLine.arguments
guard args.count >= 5, let width = Int(args[3]), let height = Int(args[4]) else {
    FileHandle.standardError.write(Data("usage: eomt-bench <model-folder> <frame.rgb> <width> <height> [iterations] [backend]\n".utf8))
    exit(2)
}
let iterations = args.count > 5 ? Int(args[5]) ?? 3 : 3
let backend = args.count > 6 ? args[6] : "cpu"
do {
    let loadStart = Date()
    let model = try EomtModel(folder: URL(fileURLWithPath: args[1]))
    let loadSeconds = Date().timeIntervalSince(loadStart)
    let rgb = [UInt8](try Data(contentsOf: URL(fileURLWithPath: args[2])))
    let (pixels, resized) = try model.pixelValues(rgb: rgb, width: width, height: height)
    var forwardTimes: [Double] = []
    var predictTimes: [Double] = []
    var instances = 0
    for _ in 0..<max(iterations, 1) {
        let t0 = Date()
        let out = try model.forward(pixels: pixels)
        let t1 = Date()
        let found = try model.instances(out, frameHeight: height, frameWidth: width, resized: resized, threshold: 0.5, topK: nil)
        let t2 = Date()
        forwardTimes.append(t1.timeIntervalSince(t0))
        predictTimes.append(t2.timeIntervalSince(t0))
        instances = found.count
    }
    func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
    let result: [String: Any] = [
        "backend": backend, "iterations": forwardTimes.count, "load_s": loadSeconds,
        "forward_s_median": median(forwardTimes), "forward_s_all": forwardTimes,
        "forward_plus_postprocess_s_median": median(predictTimes), "instances": instances,
    ]
    let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
} catch {
    FileHandle.standardError.write(Data("eomt-bench: \(error)\n".utf8))
    exit(1)
}
