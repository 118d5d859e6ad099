import Testing
import MaskstreamTestSupport
@testable import MaskstreamTracking

/// Brute force: the minimum total over all partial matchings that use only
/// pairs under `maxCost`, counting each unmatched row and column as maxCost / 2.
private func bruteForce(_ c: [[Double]], maxCost: Double) -> Double {
    let n = c.count
    let m = c.first?.count ?? 0
    var best = Double.infinity
    var usedCols = [Bool](repeating: false, count: m)
    func go(_ i: Int, _ total: Double, _ matched: Int) {
        if i == n {
            let unmatched = Double(n - matched + m - matched)
            best = min(best, total + unmatched * maxCost / 2)
            return
        }
        go(i + 1, total, matched)
        for j in 0..<m where !usedCols[j] && c[i][j].isFinite && c[i][j] < maxCost {
            usedCols[j] = true
            go(i + 1, total + c[i][j], matched + 1)
            usedCols[j] = false
        }
    }
    go(0, 0, 0)
    return best
}

private func total(_ pairs: [LinearAssignment.Pair], _ c: [[Double]], rows: Int, cols: Int, maxCost: Double) -> Double {
    let sum = pairs.reduce(0) { $0 + c[$1.row][$1.col] }
    return sum + Double(rows - pairs.count + cols - pairs.count) * maxCost / 2
}

@Suite struct LinearAssignmentTests {
    @Test func solvesAKnownSquareProblem() throws {
        let cost = try CostMatrix([[4, 1, 3], [2, 0, 5], [3, 2, 2]])
        let pairs = LinearAssignment.solve(cost)
        #expect(pairs == [.init(row: 0, col: 1), .init(row: 1, col: 0), .init(row: 2, col: 2)])
    }

    @Test(arguments: [(0, 3), (3, 0), (0, 0)])
    func emptyMatricesGiveNoPairs(rows: Int, cols: Int) {
        #expect(LinearAssignment.solve(CostMatrix(rows: rows, cols: cols)).isEmpty)
    }

    @Test func forbiddenPairsAreNeverReturned() throws {
        let cost = try CostMatrix([[.infinity, 1], [.infinity, .nan]])
        #expect(LinearAssignment.solve(cost) == [.init(row: 0, col: 1)])
    }

    @Test func raggedRowsThrow() {
        #expect(throws: MaskstreamError.self) { try CostMatrix([[1, 2], [3]]) }
    }

    /// Random rectangular problems (both orientations) against brute force.
    @Test(arguments: [(3, 5), (5, 3), (4, 4), (1, 6), (6, 1), (5, 6)])
    func matchesBruteForce(rows: Int, cols: Int) throws {
        var rng = SeededRandom(seed: UInt64(rows * 31 + cols))
        for trial in 0..<40 {
            var c = [[Double]](repeating: [Double](repeating: 0, count: cols), count: rows)
            for i in 0..<rows {
                for j in 0..<cols {
                    c[i][j] = rng.unit() < 0.15 ? .infinity : (rng.unit() * 10).rounded() / 10
                }
            }
            let maxCost = trial % 2 == 0 ? 0.6 : 2.0
            let pairs = LinearAssignment.solve(try CostMatrix(c), maxCost: maxCost)
            #expect(Set(pairs.map(\.row)).count == pairs.count)
            #expect(Set(pairs.map(\.col)).count == pairs.count)
            for p in pairs { #expect(c[p.row][p.col] < maxCost) }
            let got = total(pairs, c, rows: rows, cols: cols, maxCost: maxCost)
            #expect(abs(got - bruteForce(c, maxCost: maxCost)) < 1e-9)
        }
    }

    /// Component splitting must agree with one dense solve of the clipped matrix.
    @Test(arguments: [(40, 50), (50, 40), (60, 60)])
    func sparseProblemsMatchTheDenseSolve(rows: Int, cols: Int) {
        var rng = SeededRandom(seed: UInt64(rows &* 131 &+ cols))
        let maxCost = 0.7
        var cost = CostMatrix(rows: rows, cols: cols, fill: .infinity)
        var clipped = [Double](repeating: maxCost, count: rows * cols)
        for i in 0..<rows {
            for j in 0..<cols where rng.unit() < 0.08 {
                cost[i, j] = rng.unit()
                clipped[i * cols + j] = min(cost[i, j], maxCost)
            }
        }
        let sparse = LinearAssignment.solve(cost, maxCost: maxCost)
        let dense = LinearAssignment.hungarian(clipped, rows: rows, cols: cols).filter { cost[$0.0, $0.1] < maxCost }
        let total = { (pairs: [(Int, Int)]) in
            pairs.reduce(0.0) { $0 + cost[$1.0, $1.1] } + Double(rows + cols - 2 * pairs.count) * maxCost / 2
        }
        #expect(abs(total(sparse.map { ($0.row, $0.col) }) - total(dense)) < 1e-9)
        #expect(!sparse.isEmpty)
    }

    @Test func withoutThresholdEveryRowOfASquareFeasibleProblemIsMatched() throws {
        var rng = SeededRandom(seed: 7)
        let n = 30
        var cost = CostMatrix(rows: n, cols: n)
        for i in 0..<n { for j in 0..<n { cost[i, j] = rng.unit() } }
        #expect(LinearAssignment.solve(cost).count == n)
    }
}
