import Foundation
import Testing
@testable import MaskstreamPipeline

/// Input drift: Jensen–Shannon divergence of recent colour histograms against a baseline.
@Suite struct ColourDriftTests {
    /// A frame of one colour plus seeded noise (so histograms are not single spikes).
    func frame(_ r: UInt8, _ g: UInt8, _ b: UInt8, width: Int = 64, height: Int = 48, seed: UInt64) -> [UInt8] {
        var state = seed
        var out = [UInt8](repeating: 0, count: width * height * 3)
        for i in stride(from: 0, to: out.count, by: 3) {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let noise = Int(state >> 59) - 16
            out[i] = UInt8(clamping: Int(r) + noise)
            out[i + 1] = UInt8(clamping: Int(g) + noise)
            out[i + 2] = UInt8(clamping: Int(b) + noise)
        }
        return out
    }

    @Test func noDivergenceBeforeBaselineAndRecentExist() {
        var drift = ColourDrift(window: 3)
        for seed in 0..<3 { drift.observe(rgb: frame(100, 100, 100, seed: UInt64(seed)), width: 64, height: 48) }
        #expect(drift.divergence == nil)
        drift.observe(rgb: frame(100, 100, 100, seed: 9), width: 64, height: 48)
        #expect(drift.divergence != nil)
    }

    @Test func sameSceneStaysNearZeroAndAChangedSceneRises() {
        var drift = ColourDrift(window: 4)
        for seed in 0..<8 { drift.observe(rgb: frame(90, 120, 60, seed: UInt64(seed)), width: 64, height: 48) }
        let steady = drift.divergence ?? 1
        #expect(steady < 0.05, "\(steady)")
        for seed in 8..<12 { drift.observe(rgb: frame(230, 20, 200, seed: UInt64(seed)), width: 64, height: 48) }
        let shifted = drift.divergence ?? 0
        #expect(shifted > 0.9, "disjoint colours diverge by almost 1 bit: \(shifted)")
        // Back to the baseline scene: the recent window forgets the change.
        for seed in 12..<16 { drift.observe(rgb: frame(90, 120, 60, seed: UInt64(seed)), width: 64, height: 48) }
        #expect((drift.divergence ?? 1) < 0.05)
    }

    @Test(arguments: [([1.0, 0, 0], [1.0, 0, 0], 0.0), ([1.0, 0], [0, 1.0], 1.0), ([1.0, 1], [1.0, 0], 0.311278)])
    func jensenShannonMatchesClosedForm(p: [Double], q: [Double], expected: Double) {
        #expect(abs(ColourDrift.jensenShannon(p, q) - expected) < 1e-5)
    }

    @Test func aTooSmallBufferIsIgnored() {
        var drift = ColourDrift(window: 1)
        drift.observe(rgb: [1, 2, 3], width: 64, height: 48)
        drift.observe(rgb: [1, 2, 3], width: 64, height: 48)
        #expect(drift.divergence == nil)
    }
}
