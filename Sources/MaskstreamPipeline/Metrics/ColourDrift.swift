import Foundation

/// Input drift of one stream: the Jensen–Shannon divergence between the colour histogram of
/// its recent frames and that of a baseline window (its first frames).
///
/// Each frame contributes a joint RGB histogram of 4×4×4 = 64 bins taken from a subsampled
/// grid of about ``samplesPerFrame`` pixels, so a 1080p frame costs a few thousand reads.
/// The first `window` frames form the baseline; after that the divergence compares the sum
/// of the last `window` frames' histograms against it. The divergence is in bits, in [0, 1]:
/// 0 for the same colour distribution, 1 for disjoint ones.
///
/// ```swift
/// var drift = ColourDrift(window: 25)
/// drift.observe(rgb: frame.rgb, width: frame.width, height: frame.height)
/// print(drift.divergence)   // nil until the baseline and one recent frame exist
/// ```
///
/// - Complexity: O(``samplesPerFrame`` + 64) per frame.
struct ColourDrift: Sendable {
    static let bins = 64
    static let samplesPerFrame = 4096

    let window: Int
    private var baseline = [Double](repeating: 0, count: bins)
    private var baselineFrames = 0
    private var recent: [[Double]] = []
    private var recentSum = [Double](repeating: 0, count: bins)
    private var next = 0

    init(window: Int = 25) { self.window = max(1, window) }

    /// The divergence of the recent window from the baseline, in bits; nil before both exist.
    var divergence: Double? {
        guard baselineFrames >= window, !recent.isEmpty else { return nil }
        return Self.jensenShannon(baseline, recentSum)
    }

    /// Adds one interleaved RGB frame (`width * 3` bytes a row). A frame whose buffer is too
    /// small for its size is ignored.
    mutating func observe(rgb: [UInt8], width: Int, height: Int) {
        guard width > 0, height > 0, rgb.count >= width * height * 3 else { return }
        let histogram = Self.histogram(rgb: rgb, width: width, height: height)
        if baselineFrames < window {
            for i in 0..<Self.bins { baseline[i] += histogram[i] }
            baselineFrames += 1
            return
        }
        if recent.count < window {
            recent.append(histogram)
        } else {
            for i in 0..<Self.bins { recentSum[i] -= recent[next][i] }
            recent[next] = histogram
            next = (next + 1) % window
        }
        for i in 0..<Self.bins { recentSum[i] += histogram[i] }
    }

    /// The 64-bin joint histogram (2 high bits per channel) of a subsampled grid.
    static func histogram(rgb: [UInt8], width: Int, height: Int) -> [Double] {
        let step = max(1, Int((Double(width * height) / Double(samplesPerFrame)).squareRoot()))
        var counts = [Double](repeating: 0, count: bins)
        rgb.withUnsafeBufferPointer { px in
            var y = step / 2
            while y < height {
                var offset = (y * width + step / 2) * 3
                let rowEnd = (y + 1) * width * 3
                while offset < rowEnd {
                    let bin = Int(px[offset] >> 6) << 4 | Int(px[offset + 1] >> 6) << 2 | Int(px[offset + 2] >> 6)
                    counts[bin] += 1
                    offset += step * 3
                }
                y += step
            }
        }
        return counts
    }

    /// Jensen–Shannon divergence in bits of two unnormalised histograms (0 when either is empty).
    static func jensenShannon(_ p: [Double], _ q: [Double]) -> Double {
        let (sp, sq) = (p.reduce(0, +), q.reduce(0, +))
        guard sp > 0, sq > 0 else { return 0 }
        var total = 0.0
        for i in p.indices {
            let (a, b) = (p[i] / sp, q[i] / sq)
            let m = (a + b) / 2
            if a > 0 { total += 0.5 * a * log2(a / m) }
            if b > 0 { total += 0.5 * b * log2(b / m) }
        }
        return min(1, max(0, total))
    }
}
