extension RLE {
    /// The mask's complement (every pixel flipped).
    ///
    /// - Complexity: O(counts.count).
    public var complement: RLE {
        guard !counts.isEmpty else { return self }
        let flipped = counts.first == 0 ? Array(counts.dropFirst()) : [0] + counts
        return RLE(uncheckedHeight: height, width: width, counts: flipped.isEmpty ? [0] : flipped)
    }

    /// Masks made disjoint: each pixel stays only with the first mask in `order` (e.g. by
    /// descending score) that has it; masks of another size than the first are kept as they are.
    ///
    /// ```swift
    /// let disjoint = RLE.disjoint(masks, order: masks.indices.sorted { scores[$0] > scores[$1] })
    /// ```
    ///
    /// - Complexity: O(total runs · masks) on the runs, no decoding.
    public static func disjoint(_ masks: [RLE], order: [Int]) -> [RLE] {
        var out = masks
        guard let first = masks.first else { return out }
        var claimed = RLE.empty(height: first.height, width: first.width)
        for i in order {
            let m = masks[i]
            guard m.height == first.height, m.width == first.width else { continue }
            if claimed.counts.count > 1 {
                out[i] = RLE.merge([m, claimed.complement], intersect: true)
            }
            claimed = RLE.merge([claimed, m])
        }
        return out
    }
}
