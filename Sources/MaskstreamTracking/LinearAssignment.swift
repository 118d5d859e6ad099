/// Optimal one-to-one assignment (the linear assignment problem) on a rectangular
/// cost matrix, by the Hungarian method with shortest augmenting paths and dual
/// potentials (the Jonker–Volgenant formulation).
///
/// Pairs whose cost is not finite or is at least `maxCost` are never returned.
/// Clipping costs at `maxCost` before solving is exact for this thresholded
/// problem: leaving a row and a column both unmatched costs the same as pairing
/// them at the threshold, so the optimum of the clipped problem minus its clipped
/// pairs is an optimum of "match or leave unmatched at cost `maxCost / 2` each".
///
/// ```swift
/// let cost = try CostMatrix([[4, 1, 3], [2, 0, 5], [3, 2, 2]])
/// LinearAssignment.solve(cost)  // rows 0, 1, 2 to columns 1, 0, 2: total 5
/// ```
public enum LinearAssignment {
    /// One matched pair.
    public struct Pair: Hashable, Sendable {
        public var row: Int
        public var col: Int
        public init(row: Int, col: Int) { self.row = row; self.col = col }
    }

    /// The minimum-cost matching of rows to columns.
    ///
    /// The problem is first split into the connected components of its admissible
    /// pairs (finite and under `maxCost`), which is exact, and each component is
    /// solved on its own: a tracker's cost matrix is mostly forbidden pairs, so the
    /// components are tiny.
    ///
    /// - Parameters:
    ///   - cost: the cost of each pair; non-finite entries are forbidden pairs.
    ///   - maxCost: pairs costing this much or more are left unmatched.
    /// - Returns: the matched pairs, sorted by row.
    /// - Complexity: O(rows · cols) to find the components, plus O(k² · l) for each
    ///   component of k ≤ l rows and columns; O(n² · m) in the worst case of one
    ///   dense component, for n = min(rows, cols), m = max(rows, cols).
    public static func solve(_ cost: CostMatrix, maxCost: Double = .infinity) -> [Pair] {
        let rows = cost.rows
        let cols = cost.cols
        if rows == 0 || cols == 0 { return [] }

        // Union-find over rows (0..<rows) and columns (rows..<rows+cols).
        var parent = Array(0..<(rows + cols))
        func find(_ x: Int) -> Int {
            var x = x
            while parent[x] != x {
                parent[x] = parent[parent[x]]
                x = parent[x]
            }
            return x
        }
        var hasEdge = [Bool](repeating: false, count: rows + cols)
        var largest = 0.0
        for i in 0..<rows {
            for j in 0..<cols {
                let v = cost.values[i * cols + j]
                guard v.isFinite, v < maxCost else { continue }
                largest = max(largest, abs(v))
                hasEdge[i] = true
                hasEdge[rows + j] = true
                let a = find(i)
                let b = find(rows + j)
                if a != b { parent[a] = b }
            }
        }
        var componentRows: [Int: [Int]] = [:]
        var componentCols: [Int: [Int]] = [:]
        for i in 0..<rows where hasEdge[i] { componentRows[find(i), default: []].append(i) }
        for j in 0..<cols where hasEdge[rows + j] { componentCols[find(rows + j), default: []].append(j) }

        // Within a component, inadmissible pairs cost a ceiling: exact for a finite
        // threshold (see the type's documentation), and larger than any complete
        // matching of admissible pairs otherwise.
        let ceiling = maxCost.isFinite ? maxCost : (largest + 1) * Double(min(rows, cols) + 1)
        var pairs: [Pair] = []
        for (root, rs) in componentRows {
            guard let cs = componentCols[root] else { continue }
            if rs.count == 1 && cs.count == 1 {
                pairs.append(Pair(row: rs[0], col: cs[0]))
                continue
            }
            var sub = [Double](repeating: ceiling, count: rs.count * cs.count)
            for (r, i) in rs.enumerated() {
                for (c, j) in cs.enumerated() {
                    let v = cost.values[i * cols + j]
                    if v.isFinite && v < maxCost { sub[r * cs.count + c] = v }
                }
            }
            for (r, c) in hungarian(sub, rows: rs.count, cols: cs.count) {
                let v = cost.values[rs[r] * cols + cs[c]]
                if v.isFinite && v < maxCost { pairs.append(Pair(row: rs[r], col: cs[c])) }
            }
        }
        pairs.sort { $0.row < $1.row }
        return pairs
    }

    /// Hungarian method with potentials on a dense finite matrix; every row of the
    /// smaller side is matched.
    ///
    /// - Complexity: O(n² · m) for n = min(rows, cols), m = max(rows, cols).
    static func hungarian(_ values: [Double], rows: Int, cols: Int) -> [(Int, Int)] {
        let transposed = rows > cols
        let n = transposed ? cols : rows
        let m = transposed ? rows : cols
        var a = values
        if transposed {
            for i in 0..<rows { for j in 0..<cols { a[j * m + i] = values[i * cols + j] } }
        }
        // Potentials u (rows, 1-based), v (cols, 1-based); p[j]: row matched to col j.
        var u = [Double](repeating: 0, count: n + 1)
        var v = [Double](repeating: 0, count: m + 1)
        var p = [Int](repeating: 0, count: m + 1)
        var way = [Int](repeating: 0, count: m + 1)
        var minv = [Double](repeating: 0, count: m + 1)
        var used = [Bool](repeating: false, count: m + 1)
        for i in 1...n {
            p[0] = i
            var j0 = 0
            for j in 0...m { minv[j] = .infinity; used[j] = false }
            repeat {
                used[j0] = true
                let i0 = p[j0]
                var delta = Double.infinity
                var j1 = 0
                let rowBase = (i0 - 1) * m
                for j in 1...m where !used[j] {
                    let cur = a[rowBase + j - 1] - u[i0] - v[j]
                    if cur < minv[j] { minv[j] = cur; way[j] = j0 }
                    if minv[j] < delta { delta = minv[j]; j1 = j }
                }
                for j in 0...m {
                    if used[j] { u[p[j]] += delta; v[j] -= delta } else { minv[j] -= delta }
                }
                j0 = j1
            } while p[j0] != 0
            repeat {
                let j1 = way[j0]
                p[j0] = p[j1]
                j0 = j1
            } while j0 != 0
        }
        var out: [(Int, Int)] = []
        for j in 1...m where p[j] != 0 {
            out.append(transposed ? (j - 1, p[j] - 1) : (p[j] - 1, j - 1))
        }
        return out
    }
}
