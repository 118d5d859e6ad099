/// A dense `rows × cols` matrix of assignment costs, stored row-major.
///
/// Entries that are not finite (`.infinity`, NaN) mark pairs that may never be
/// matched.
///
/// ```swift
/// var cost = CostMatrix(rows: 2, cols: 3, fill: .infinity)
/// cost[0, 1] = 0.2
/// ```
public struct CostMatrix: Sendable, Hashable {
    /// The number of rows (for the tracker: tracks).
    public let rows: Int
    /// The number of columns (for the tracker: detections).
    public let cols: Int
    /// Row-major values, `rows * cols` of them.
    public private(set) var values: [Double]

    /// A matrix with every entry set to `fill`. Negative sizes count as 0.
    public init(rows: Int, cols: Int, fill: Double = 0) {
        self.rows = max(0, rows)
        self.cols = max(0, cols)
        values = [Double](repeating: fill, count: self.rows * self.cols)
    }

    /// A matrix from nested rows.
    ///
    /// - Throws: `MaskstreamError.invalidInput` when the rows differ in length.
    public init(_ nested: [[Double]]) throws {
        let cols = nested.first?.count ?? 0
        for (index, row) in nested.enumerated() where row.count != cols {
            throw MaskstreamError(
                .invalidInput,
                "cost matrix row \(index) has \(row.count) entries but row 0 has \(cols): give every row the same length"
            )
        }
        self.init(rows: nested.count, cols: cols)
        values = nested.flatMap { $0 }
    }

    /// The cost of pairing `row` with `col`.
    public subscript(row: Int, col: Int) -> Double {
        get { values[row * cols + col] }
        set { values[row * cols + col] = newValue }
    }
}
