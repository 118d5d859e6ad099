import Foundation
import Testing
import MaskstreamTestSupport
@testable import MaskstreamGPU

/// The softmax fused around attention's products (`BlockSoftmax`): `Q·Kᵀ` with `.scores`,
/// `softmaxBlockFactors`, `P·V` with `.values` give softmax(scale·Q·Kᵀ)·V.
@Suite struct BlockSoftmaxTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var batches, tokens, headDim: Int
        var tile: LaneTile
        /// Scores up to about ±`spread`: exp without the max subtracted overflows fp32 above ~88.
        var spread: Float
        var testDescription: String { "\(batches)×\(tokens) tokens, head \(headDim), tile \(tile), ±\(spread)" }
    }

    static let cases: [Case] = [
        Case(batches: 1, tokens: 1, headDim: 4, tile: LaneTile(rows: 16, columnsPerLane: 3), spread: 1),
        Case(batches: 2, tokens: 37, headDim: 8, tile: LaneTile(rows: 16, columnsPerLane: 3), spread: 4),
        Case(batches: 3, tokens: 50, headDim: 16, tile: LaneTile(rows: 8, columnsPerLane: 1), spread: 300),
        Case(batches: 2, tokens: 130, headDim: 12, tile: LaneTile(rows: 16, columnsPerLane: 2), spread: 30),
        Case(batches: 2, tokens: 203, headDim: 64, tile: LaneTile(rows: 16, columnsPerLane: 4), spread: 30),
    ]

    @Test(arguments: cases)
    func fusedSoftmaxMatchesAttention(c: Case) throws {
        let device = try TestDevice.get()
        var rng = SeededRandom(seed: UInt64(c.tokens * 13 + c.headDim))
        let (t, d, z) = (c.tokens, c.headDim, c.batches)
        let ks = (t + 3) / 4 * 4 + 4 // rows of the score matrix: longer than the keys' whole texels
        let amplitude = (c.spread / Float(d).squareRoot()).squareRoot()
        let q = rng.floats(z * t * d, in: -amplitude ... amplitude), k = rng.floats(z * t * d, in: -amplitude ... amplitude)
        let v = rng.floats(z * d * ks) // Vᵀ per batch, [d, ks]
        let scale = 1 / Float(d).squareRoot()
        let blocks = BlockSoftmax.blocks(n: t, tile: c.tile)
        let qb = try device.makeBuffer(q), kb = try device.makeBuffer(k), vb = try device.makeBuffer(v)
        // Stale values where the product must not look: the whole score matrix starts at 1e30.
        let sb = try device.makeBuffer([Float](repeating: 1e30, count: z * t * ks))
        let part = try device.makeBuffer(count: 2 * z * t * blocks), inv = try device.makeBuffer(count: z * t)
        let yb = try device.makeBuffer(count: z * t * d)
        try run(device) { seq in
            try seq.batchedLinear(x: qb.all, MatrixStrides(row: d, batch: t * d), weight: kb.all,
                                  MatrixStrides(row: d, batch: t * d), y: sb.all, MatrixStrides(row: ks, batch: t * ks),
                                  m: t, n: t, k: d, batches: z, laneTile: c.tile,
                                  softmax: .scores(partials: part.all, scale: scale))
            try seq.softmaxBlockFactors(partials: part.all, rows: z * t, blocks: blocks, inverseSums: inv.all)
            try seq.batchedLinear(x: sb.all, MatrixStrides(row: ks, batch: t * ks), weight: vb.all,
                                  MatrixStrides(row: ks, batch: d * ks), rowScale: inv.all, y: yb.all,
                                  MatrixStrides(row: d, batch: t * d), m: t, n: d, k: (t + 3) / 4 * 4, batches: z,
                                  softmax: .values(factors: part.all, blocks: blocks, blockWidth: 8 * c.tile.columnsPerLane))
        }
        let got = try yb.download()
        var worst: Double = 0
        for b in 0..<z {
            for i in 0..<t {
                let s = (0..<t).map { j in
                    Double(scale) * (0..<d).reduce(0.0) { $0 + Double(q[(b * t + i) * d + $1]) * Double(k[(b * t + j) * d + $1]) }
                }
                let top = s.max()!
                let e = s.map { exp($0 - top) }
                let total = e.reduce(0, +)
                for o in 0..<d {
                    let expected = (0..<t).reduce(0.0) { $0 + e[$1] / total * Double(v[(b * d + o) * ks + $1]) }
                    worst = max(worst, abs(Double(got[(b * t + i) * d + o]) - expected) / max(1, abs(expected)))
                }
            }
        }
        #expect(worst <= 1e-4, "largest relative error \(worst)")
        #expect(got.allSatisfy { $0.isFinite })
        try TestDevice.expectNoValidationErrors()
    }

    @Test func rejectsWhatTheFusedStepsCannotDo() throws {
        let device = try TestDevice.get()
        let a = try device.makeBuffer(count: 256), y = try device.makeBuffer(count: 256), p = try device.makeBuffer(count: 8)
        let seq = try device.makeSequence()
        let tile = LaneTile(rows: 16, columnsPerLane: 2)
        // Partials too small for 2 · 8 rows · 1 block.
        expectError(.invalidInput) {
            try seq.batchedLinear(x: a.all, MatrixStrides(row: 4), weight: a.all, MatrixStrides(row: 4), y: y.all,
                                  MatrixStrides(row: 8), m: 8, n: 8, k: 4, laneTile: tile,
                                  softmax: .scores(partials: p.all, scale: 1))
        }
        // Scores written with a column stride other than 1 (the padding could not be zeroed in place).
        expectError(.invalidInput) {
            try seq.batchedLinear(x: a.all, MatrixStrides(row: 4), weight: a.all, MatrixStrides(row: 4), y: y.all,
                                  MatrixStrides(row: 1, column: 8), m: 2, n: 2, k: 4, laneTile: tile,
                                  softmax: .scores(partials: p.all, scale: 1))
        }
        // Blocks that do not cover k.
        expectError(.invalidInput) {
            try seq.batchedLinear(x: a.all, MatrixStrides(row: 64), weight: a.all, MatrixStrides(row: 64), y: y.all,
                                  MatrixStrides(row: 4), m: 2, n: 4, k: 64,
                                  softmax: .values(factors: p.all, blocks: 1, blockWidth: 16))
        }
        #expect(seq.dispatchCount == 0)
    }
}
