// Kernel benchmarks for MaskstreamGPU on the selected Vulkan device.
//
//   swift run -c release GPUBench [--device <index|name>] [--reps N] [--filter <kernel substring>]
//                                 [--tiles RxC,…] [--shapes MxNxK,…] [--profile-only] [--json]
//                                 [--precision fp32|fp16]
//
// Prints a Markdown table: each row is one kernel configuration, timed as `reps`
// dispatches recorded into one command buffer (one submit), after one warm-up submit.
// `--shapes` replaces the linear shapes; `--profile-only` times only the variant (and tile) the
// device's kernel profile picks, with PyTorch-layout weights; `--json` prints one JSON object per
// row instead of the table (benchmarks/inference_report.py reads it); `--precision fp16` stores
// the linear weights as halves (`model.precision: fp16`).
import Foundation
import MaskstreamGPU

struct Options {
    var device = DeviceSelection.automatic
    var reps = 5
    var filter = ""
    var tiles = [LaneTile(rows: 6, columnsPerLane: 2)]
    var shapes: [(Int, Int, Int, String)] = [(1024, 768, 768, "qkv/out proj"), (1024, 3072, 768, "MLP fc1")]
    var profileOnly = false
    var json = false
    var weights = ElementType.float32
}

func parseOptions() -> Options {
    var options = Options()
    var args = CommandLine.arguments.dropFirst().makeIterator()
    while let arg = args.next() {
        switch arg {
        case "--device": options.device = DeviceSelection(parsing: args.next() ?? "")
        case "--reps": options.reps = max(1, Int(args.next() ?? "") ?? options.reps)
        case "--filter": options.filter = args.next() ?? ""
        case "--shapes":
            options.shapes = (args.next() ?? "").split(separator: ",").compactMap { spec in
                let d = spec.split(separator: "x").compactMap { Int($0) }
                return d.count == 3 && d.allSatisfy { $0 > 0 } ? (d[0], d[1], d[2], String(spec)) : nil
            }
        case "--profile-only": options.profileOnly = true
        case "--json": options.json = true
        case "--precision": options.weights = ElementType(rawValue: args.next() ?? "") ?? .float32
        case "--tiles":
            // "6x2,4x4": rows × columns-per-lane of the lanes kernel
            options.tiles = (args.next() ?? "").split(separator: ",").compactMap { spec in
                let parts = spec.split(separator: "x").compactMap { Int($0) }
                return parts.count == 2 ? LaneTile(rows: parts[0], columnsPerLane: parts[1]) : nil
            }
        default:
            FileHandle.standardError.write(Data(("usage: GPUBench [--device <index|name>] [--reps N] [--filter <kernel substring>] "
                + "[--tiles RxC,…] [--shapes MxNxK,…] [--profile-only] [--json] [--precision fp32|fp16]\n").utf8))
            exit(2)
        }
    }
    return options
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// Records `reps` copies of `op` into one sequence, submits once to warm up, then times one submit.
func time(_ device: VulkanDevice, reps: Int, _ op: (CommandSequence) throws -> Void) throws -> Double {
    let seq = try device.makeSequence()
    for _ in 0 ..< reps { try op(seq) }
    try seq.submit()
    try seq.wait()
    return try seconds {
        try seq.submit()
        try seq.wait()
    } / Double(reps)
}

func wanted(_ kernel: String) -> Bool { options.filter.isEmpty || kernel.contains(options.filter) }

func random(_ count: Int) -> [Float] { (0 ..< count).map { _ in Float.random(in: -1 ... 1) } }

let options = parseOptions()
let device = try VulkanDevice(selection: options.device)
/// One result row: the Markdown table row, or with `--json` one JSON object.
func report(_ kernel: String, _ shape: String, _ variant: String, seconds: Double, gflops: Double?,
            extra: [String: Any] = [:]) {
    if options.json {
        var row: [String: Any] = ["kernel": kernel, "shape": shape, "variant": variant, "seconds": seconds]
        if let gflops { row["gflops"] = gflops }
        row.merge(extra) { a, _ in a }
        if let data = try? JSONSerialization.data(withJSONObject: row, options: [.sortedKeys]) {
            print(String(decoding: data, as: UTF8.self))
        }
    } else {
        let rate = gflops.map { String(format: "%.2f", $0) } ?? "–"
        print("| \(kernel) | \(shape) | \(variant) | \(String(format: "%.2f", seconds * 1e3)) | \(rate) |")
    }
}
if !options.json {
    print("Device: \(device.info), driver \(device.info.driver)")
    print("")
    print("| kernel | shape | variant | ms / call | GFLOP/s |")
    print("| --- | --- | --- | ---: | ---: |")
}

for (m, n, k, label) in options.shapes where wanted("linear (\(label))") {
    let x = try device.makeBuffer(random(m * k)), b = try device.makeBuffer(random(n))
    // Weights as models store them for the texels kernel: rows padded where k-long ones thrash the L1.
    let wStride = device.kernelProfile.weightRowStride(k: k, element: options.weights)
    let w = try device.makeBuffer(random(n * wStride), element: options.weights)
    let y = try device.makeBuffer(count: m * n)
    let profile = device.kernelProfile
    let runs: [(LinearVariant, LaneTile?)] = options.profileOnly
        ? [(profile.linear, profile.tile(for: profile.linear, k: k))]
        : LinearVariant.allCases.flatMap { variant in
            ([.lanes, .texels].contains(variant) ? options.tiles.map { Optional($0) } : [nil]).map { (variant, $0) }
        }
    for (variant, tile) in runs {
        for transposed in options.profileOnly ? [false] : [false, true] {
            let padded = variant == .texels && !transposed && wStride != k
            let t = try time(device, reps: options.reps) {
                try $0.linear(
                    x: x.all, weight: w.all, bias: b.all, y: y.all, m: m, n: n, k: k,
                    weightTransposed: transposed, variant: variant, laneTile: tile,
                    weightRowStride: padded ? wStride : nil)
            }
            let gflops = 2 * Double(m) * Double(n) * Double(k) / t / 1e9
            let layout = transposed ? "W [K,N]" : padded ? "W [N,K] rows k + \(wStride - k)" : "W [N,K]"
            let name = tile.map { "\(variant) \($0)" } ?? "\(variant)"
            report("linear (\(label))", "\(m)×\(n)×\(k)", "\(name), \(layout)", seconds: t, gflops: gflops,
                   extra: ["m": m, "n": n, "k": k, "weights": options.weights.rawValue])
        }
    }
}

if wanted("padded") {
    // Row strides of X and W padded past k (in floats): strides that are multiples of 1–4 KiB put every
    // row's current cache line in the same few L1 sets.
    for (m, n, k, label) in options.shapes {
        for (padX, padW) in [(0, 0), (4, 0), (0, 4), (4, 4)] {
            let (xs, ws) = (k + padX, k + padW)
            let x = try device.makeBuffer(random(m * xs)), w = try device.makeBuffer(random(n * ws))
            let b = try device.makeBuffer(random(n)), y = try device.makeBuffer(count: m * n)
            let t = try time(device, reps: options.reps) {
                try $0.batchedLinear(x: x.all, MatrixStrides(row: xs), weight: w.all, MatrixStrides(row: ws),
                                     bias: b.all, y: y.all, MatrixStrides(row: n), m: m, n: n, k: k)
            }
            report("padded (\(label))", "\(m)×\(n)×\(k)", "texels, X rows k + \(padX), W rows k + \(padW)",
                   seconds: t, gflops: 2 * Double(m) * Double(n) * Double(k) / t / 1e9)
        }
    }
}

if wanted("attention") {
    let (seq, heads, dim) = (1024, 12, 64)
    let width = heads * dim
    let q = try device.makeBuffer(random(seq * width)), kb = try device.makeBuffer(random(seq * width))
    let v = try device.makeBuffer(random(seq * width)), o = try device.makeBuffer(count: seq * width)
    let t = try time(device, reps: max(1, options.reps / 2)) { try $0.attention(q: q.all, k: kb.all, v: v.all, out: o.all, seq: seq, heads: heads, headDim: dim) }
    let gflops = 4 * Double(seq) * Double(seq) * Double(width) / t / 1e9
    report("attention", "seq \(seq), \(heads) heads × \(dim)", "one invocation per (query, head)", seconds: t,
        gflops: gflops)
}

if wanted("scores") {
    // The EoMT-S 640 attention products as the model records them: Q and K read in place from a
    // fused [t, 2h] projection (rows 2h long, or padded by 16 as the model writes them on lavapipe),
    // all heads in one dispatch, with and without the fused softmax steps. `--tiles` sweeps the
    // score product's tile.
    let (t, heads, d) = (1604, 6, 64)
    let h = heads * d, ks = (t + 3) / 4 * 4
    let flops = 2 * Double(heads) * Double(t) * Double(t) * Double(d)
    let s = try device.makeBuffer(count: heads * t * ks), sums = try device.makeBuffer(count: heads * t)
    let vt = try device.makeBuffer(random(h * ks)), out = try device.makeBuffer(count: t * h)
    for tile in options.tiles.count > 1 ? options.tiles : [device.kernelProfile.texelTile(k: d)] {
        let blocks = BlockSoftmax.blocks(n: t, tile: tile)
        let part = try device.makeBuffer(count: 2 * heads * t * blocks)
        for qkRow in [2 * h, 2 * h + 16] {
            let qk = try device.makeBuffer(random(t * qkRow))
            for fused in [false, true] {
                let tq = try time(device, reps: options.reps) {
                    try $0.batchedLinear(
                        x: qk.all, MatrixStrides(row: qkRow, batch: d),
                        weight: try qk.all.slice(offset: h, count: t * qkRow - h), MatrixStrides(row: qkRow, batch: d),
                        y: s.all, MatrixStrides(row: ks, batch: t * ks), m: t, n: t, k: d, batches: heads,
                        laneTile: tile, softmax: fused ? .scores(partials: part.all, scale: 0.125) : nil)
                }
                let variant = "texels \(tile), \(fused ? "softmax partials" : "plain"), Q/K rows \(qkRow)"
                report("scores Q·Kᵀ", "\(heads)×\(t)×\(t)×\(d)", variant, seconds: tq, gflops: flops / tq / 1e9)
                if fused {
                    let tf = try time(device, reps: options.reps) {
                        try $0.softmaxBlockFactors(partials: part.all, rows: heads * t, blocks: blocks,
                                                   inverseSums: sums.all)
                    }
                    report("softmax block factors", "\(heads * t) rows × \(blocks)", "lanes", seconds: tf, gflops: nil)
                }
                let tv = try time(device, reps: options.reps) {
                    try $0.batchedLinear(
                        x: s.all, MatrixStrides(row: ks, batch: t * ks), weight: vt.all,
                        MatrixStrides(row: ks, batch: d * ks), rowScale: fused ? sums.all : nil, y: out.all,
                        MatrixStrides(row: h, batch: d), m: t, n: d, k: ks, batches: heads,
                        softmax: fused ? .values(factors: part.all, blocks: blocks,
                                                 blockWidth: 8 * tile.columnsPerLane) : nil)
                }
                report("values P·V", "\(heads)×\(t)×\(d)×\(ks)", fused ? "texels, block factors" : "texels, plain",
                       seconds: tv, gflops: flops / tv / 1e9)
            }
        }
    }
}

if wanted("layerNorm") {
    let (rows, dim) = (1024, 768)
    let x = try device.makeBuffer(random(rows * dim)), g = try device.makeBuffer(random(dim)), y = try device.makeBuffer(count: rows * dim)
    let t = try time(device, reps: options.reps) { try $0.layerNorm(x: x.all, gamma: g.all, beta: g.all, y: y.all, rows: rows, dim: dim, eps: 1e-6) }
    report("layerNorm", "\(rows)×\(dim)", "\(device.kernelProfile.rowReduction)", seconds: t, gflops: nil)
}
