/// What the device returns for one frame: class logits, query embeddings and the frame-size
/// bit masks with their sigmoid sums (HF's mask score numerator) and areas.
struct EomtDeviceOutput: Sendable {
    var classLogits: [Float]
    var queryEmbeddings: [Float]
    var maskProbabilitySums: [Double]
    var maskAreas: [Int]
    /// `[queries, wordsPerQuery]`: pixel `y·width + x` is bit `i % 32` of word `i / 32`.
    var maskBits: [UInt32]
    var wordsPerQuery: Int
    var width: Int
    var height: Int

    /// Query `q`'s mask as 0/1 bytes, row-major.
    func mask(query q: Int) -> [UInt8] {
        let n = width * height
        var out = [UInt8](repeating: 0, count: n)
        let base = q * wordsPerQuery
        out.withUnsafeMutableBufferPointer { o in
            for wIndex in 0..<wordsPerQuery {
                var word = maskBits[base + wIndex]
                while word != 0 {
                    let b = word.trailingZeroBitCount
                    let i = wIndex * 32 + b
                    if i < n { o[i] = 1 }
                    word &= word - 1
                }
            }
        }
        return out
    }
}
