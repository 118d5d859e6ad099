/// The order people expect of numbered file names: runs of digits compare by their value,
/// so `img2.jpg` sorts before `img10.jpg`, and `00007.jpg` before `00010.jpg`.
///
/// Everything else compares byte by byte (UTF-8), so the order does not depend on the
/// locale. Of names that differ only in leading zeros, the one with fewer zeros in the first
/// such run comes first (`7.jpg`, then `007.jpg`), so the order is total.
///
/// ```swift
/// ["img10.jpg", "img2.jpg", "img1.jpg"].sorted(by: NaturalOrder.areInIncreasingOrder)
/// // ["img1.jpg", "img2.jpg", "img10.jpg"]
/// ```
public enum NaturalOrder {
    /// Whether `a` sorts before `b`.
    ///
    /// - Complexity: O(n) in the length of the shorter name.
    public static func areInIncreasingOrder(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var i = 0, j = 0
        /// Set at the first pair of equal numbers written with different leading zeros.
        var fewerZerosFirst: Bool?
        while i < x.count, j < y.count {
            if isDigit(x[i]), isDigit(y[j]) {
                let (endX, endY) = (digitRunEnd(x, i), digitRunEnd(y, j))
                // The value of a run is its digits after the leading zeros: more digits is larger.
                let (startX, startY) = (firstNonZero(x, i, endX), firstNonZero(y, j, endY))
                if endX - startX != endY - startY { return endX - startX < endY - startY }
                for k in 0..<(endX - startX) where x[startX + k] != y[startY + k] {
                    return x[startX + k] < y[startY + k]
                }
                if fewerZerosFirst == nil, startX - i != startY - j { fewerZerosFirst = startX - i < startY - j }
                (i, j) = (endX, endY)
            } else {
                if x[i] != y[j] { return x[i] < y[j] }
                (i, j) = (i + 1, j + 1)
            }
        }
        if (x.count - i) != (y.count - j) { return x.count - i < y.count - j }
        return fewerZerosFirst ?? x.lexicographicallyPrecedes(y)
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    private static func digitRunEnd(_ s: [UInt8], _ start: Int) -> Int {
        var end = start
        while end < s.count, isDigit(s[end]) { end += 1 }
        return end
    }

    private static func firstNonZero(_ s: [UInt8], _ start: Int, _ end: Int) -> Int {
        var k = start
        while k < end - 1, s[k] == 0x30 { k += 1 }
        return k
    }
}
