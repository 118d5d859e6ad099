import Foundation
import Testing
@testable import MaskstreamGPU

/// One validated device shared by the tests (lavapipe on CI), created on first use.
enum TestDevice {
    private static let result: Result<VulkanDevice, any Error> = Result { try VulkanDevice(validation: .required) }

    static func get() throws -> VulkanDevice { try result.get() }

    /// Fails the calling test if the validation layer reported any error so far.
    static func expectNoValidationErrors(sourceLocation: SourceLocation = #_sourceLocation) throws {
        let device = try get()
        let monitor = try #require(device.validation, "validation layer not loaded", sourceLocation: sourceLocation)
        #expect(monitor.errorCount == 0, "validation errors: \(monitor.recentErrors)", sourceLocation: sourceLocation)
    }
}

/// Largest |a - b| / max(1, |b|) over two arrays of equal length (∞ if lengths differ).
func maxRelativeError(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count else { return .infinity }
    var worst: Float = 0
    for (x, y) in zip(a, b) {
        let d = abs(x - y) / max(1, abs(y))
        if !(d <= worst) { worst = d.isNaN ? .infinity : max(worst, d) }
    }
    return worst
}

/// Runs `record` in a fresh sequence, submits, waits.
func run(_ device: VulkanDevice, _ record: (CommandSequence) throws -> Void) throws {
    let seq = try device.makeSequence()
    try record(seq)
    try seq.submit()
    try seq.wait()
}

/// CPU references for the kernels, written for clarity, in Double.
enum Reference {
    static func gelu(_ x: Double) -> Double { 0.5 * x * (1 + erf(x / 2.0.squareRoot())) }
    static func silu(_ x: Double) -> Double { x / (1 + exp(-x)) }

    static func linear(x: [Float], w: [Float], b: [Float]?, m: Int, n: Int, k: Int,
                       gelu useGelu: Bool, scale: [Float]?, residual: [Float]?) -> [Float] {
        var y = [Float](repeating: 0, count: m * n)
        for i in 0 ..< m {
            for j in 0 ..< n {
                var acc = 0.0
                for t in 0 ..< k { acc += Double(x[i * k + t]) * Double(w[j * k + t]) }
                if let b { acc += Double(b[j]) }
                if useGelu { acc = gelu(acc) }
                if let scale { acc *= Double(scale[j]) }
                if let residual { acc += Double(residual[i * n + j]) }
                y[i * n + j] = Float(acc)
            }
        }
        return y
    }

    static func layerNorm(x: [Float], gamma: [Float], beta: [Float], rows: Int, dim: Int, eps: Double) -> [Float] {
        var y = [Float](repeating: 0, count: rows * dim)
        for r in 0 ..< rows {
            let row = x[r * dim ..< (r + 1) * dim].map(Double.init)
            let mean = row.reduce(0, +) / Double(dim)
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(dim)
            for i in 0 ..< dim {
                y[r * dim + i] = Float((row[i] - mean) / (variance + eps).squareRoot() * Double(gamma[i]) + Double(beta[i]))
            }
        }
        return y
    }

    static func attention(q: [Float], k: [Float], v: [Float], seq: Int, heads: Int, headDim: Int, stride: Int) -> [Float] {
        let width = heads * headDim
        var out = [Float](repeating: 0, count: seq * width)
        let scale = 1 / Double(headDim).squareRoot()
        for h in 0 ..< heads {
            for i in 0 ..< seq {
                var scores = [Double](repeating: 0, count: seq)
                for j in 0 ..< seq {
                    var s = 0.0
                    for d in 0 ..< headDim { s += Double(q[i * stride + h * headDim + d]) * Double(k[j * stride + h * headDim + d]) }
                    scores[j] = s * scale
                }
                let mx = scores.max() ?? 0
                let e = scores.map { exp($0 - mx) }
                let total = e.reduce(0, +)
                for d in 0 ..< headDim {
                    var acc = 0.0
                    for j in 0 ..< seq { acc += e[j] * Double(v[j * stride + h * headDim + d]) }
                    out[i * width + h * headDim + d] = Float(acc / total)
                }
            }
        }
        return out
    }
}

/// Expects `body` to throw a `MaskstreamError` with `code`.
func expectError(_ code: MaskstreamError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected a \(code) error, nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as MaskstreamError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected a MaskstreamError, got \(error)", sourceLocation: sourceLocation)
    }
}

/// The PyTorch golden outputs written by tools/gpu_kernel_fixtures.py.
struct TorchOps: Decodable {
    struct Resize: Decodable { var c, h, w, oh, ow: Int; var x, y: [Float] }
    struct ConvT: Decodable { var cin, cout, h, w: Int; var x, weight: [Float]; var bias: [Float]?; var y: [Float] }
    struct Depthwise: Decodable { var c, h, w: Int; var x, weight: [Float]; var bias: [Float]?; var y: [Float] }
    struct Unary: Decodable { var x, y: [Float] }
    struct SwiGLU: Decodable { var rows, half: Int; var hidden, y: [Float] }
    var resize: [Resize]
    var conv_transpose2x2: [ConvT]
    var depthwise_conv3x3: [Depthwise]
    var gelu: Unary
    var swiglu: SwiGLU

    static func load() throws -> TorchOps {
        let url = try #require(Bundle.module.url(forResource: "torch_ops", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(TorchOps.self, from: Data(contentsOf: url))
    }
}
