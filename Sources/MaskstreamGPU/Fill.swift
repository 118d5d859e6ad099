extension CommandSequence {
    /// Records `y[i] = value` for every float of `y`.
    ///
    /// - Complexity: O(y.count).
    public func fill(_ y: BufferSlice, value: Float) throws {
        try dispatch(.fill, [(y, .write)], params: [UInt32(y.count), value.bitPattern], groups: (groups1D(y.count, local: 64), 1, 1))
    }
}
