extension RLE {
    /// Walks the runs of two masks of the same size together, as pycocotools'
    /// run merges do: `body` gets each stretch of pixels over which neither mask
    /// changes, with its length, whether it is foreground in `a` and in `b`, and
    /// whether it is the last stretch. A run of 0 in either list gives a stretch of
    /// length 0; nothing is walked when either list is empty.
    ///
    /// ```swift
    /// var both = 0
    /// RLE.forEachStretch(a.counts, b.counts) { length, inA, inB, _ in
    ///     if inA && inB { both += length }
    /// }
    /// ```
    ///
    /// - Complexity: O(a.count + b.count).
    @inline(__always)
    static func forEachStretch(
        _ a: [UInt32], _ b: [UInt32], _ body: (_ length: Int, _ inA: Bool, _ inB: Bool, _ isLast: Bool) -> Void
    ) {
        if a.isEmpty || b.isEmpty { return }
        var ra = RunCursor(a)
        var rb = RunCursor(b)
        var more = true
        while more {
            let length = Swift.min(ra.left, rb.left)
            let (inA, inB) = (ra.foreground, rb.foreground)
            ra.advance(length)
            rb.advance(length)
            more = ra.left + rb.left > 0
            body(length, inA, inB, !more)
        }
    }
}

/// One run list being walked: the pixels left in the current run and whether
/// that run is foreground.
private struct RunCursor {
    let runs: [UInt32]
    var next = 1
    var left: Int
    var foreground = false

    /// At the first run of a non-empty list.
    init(_ runs: [UInt32]) {
        self.runs = runs
        left = Int(runs[0])
    }

    /// Moves `length` pixels on (at most `left`); where the current run ends and
    /// another follows, enters it.
    @inline(__always)
    mutating func advance(_ length: Int) {
        left -= length
        if left == 0 && next < runs.count {
            left = Int(runs[next])
            next += 1
            foreground.toggle()
        }
    }
}
