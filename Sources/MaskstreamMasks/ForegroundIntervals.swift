/// The foreground runs of an RLE as half-open column-major pixel intervals
/// `[start, end)`, the form in which two masks intersect fastest.
struct ForegroundIntervals: Sendable {
    var starts: [Int] = []
    var ends: [Int] = []

    /// - Complexity: O(counts.count).
    init(_ counts: [UInt32]) {
        starts.reserveCapacity(counts.count / 2)
        ends.reserveCapacity(counts.count / 2)
        var p = 0
        var i = 0
        while i < counts.count {
            p += Int(counts[i])
            if i + 1 < counts.count {
                let e = p + Int(counts[i + 1])
                if e > p {
                    starts.append(p)
                    ends.append(e)
                }
                p = e
            }
            i += 2
        }
    }

    /// The number of pixels in both interval lists.
    ///
    /// - Complexity: O(log n + overlapping intervals) typically; O(n + m) at worst.
    func intersection(_ other: ForegroundIntervals) -> Int {
        let na = starts.count
        let nb = other.starts.count
        if na == 0 || nb == 0 { return 0 }
        let lo = Swift.max(starts[0], other.starts[0])
        let hi = Swift.min(ends[na - 1], other.ends[nb - 1])
        if lo >= hi { return 0 }
        var i = Self.firstEnding(after: lo, in: ends)
        var j = Self.firstEnding(after: lo, in: other.ends)
        var total = 0
        starts.withUnsafeBufferPointer { sa in
            ends.withUnsafeBufferPointer { ea in
                other.starts.withUnsafeBufferPointer { sb in
                    other.ends.withUnsafeBufferPointer { eb in
                        while i < na && j < nb {
                            let s = Swift.max(sa[i], sb[j])
                            if s >= hi { break }
                            let e = Swift.min(ea[i], eb[j])
                            if e > s { total += e - s }
                            if ea[i] < eb[j] { i += 1 } else { j += 1 }
                        }
                    }
                }
            }
        }
        return total
    }

    /// The index of the first interval whose end is beyond `position`.
    private static func firstEnding(after position: Int, in ends: [Int]) -> Int {
        var lo = 0
        var hi = ends.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ends[mid] <= position { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
