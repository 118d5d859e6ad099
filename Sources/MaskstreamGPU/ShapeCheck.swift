import MaskstreamCore

/// Shape checks shared by the ops: they turn bad sizes into `.invalidInput` errors.
public enum ShapeCheck {
    /// Throws unless every dimension is positive and their product fits in 32 bits.
    public static func dims(_ op: String, _ dims: [(String, Int)]) throws {
        var product = 1
        for (name, value) in dims {
            guard value > 0 else {
                throw MaskstreamError(
                    .invalidInput, "\(op): \(name) must be positive, got \(value): check the tensor shape")
            }
            let (p, overflow) = product.multipliedReportingOverflow(by: value)
            guard !overflow, value <= Int(UInt32.max), p <= Int(UInt32.max) else {
                throw MaskstreamError(
                    .invalidInput,
                    "\(op): \(dims.map { "\($0.0)=\($0.1)" }.joined(separator: ", ")) is too large for 32-bit "
                        + "indexing: use smaller tensors"
                )
            }
            product = p
        }
    }

    /// Throws unless `slice` holds at least `needed` floats.
    public static func holds(_ op: String, _ name: String, _ slice: BufferSlice, _ needed: Int) throws {
        guard slice.count >= needed else {
            throw MaskstreamError(
                .invalidInput,
                "\(op): \(name) has \(slice.count) floats but the shape needs \(needed): allocate a larger buffer or "
                    + "fix the shape"
            )
        }
    }

    /// Throws when two slices of the same buffer overlap (an output must not alias an input).
    public static func disjoint(_ op: String, _ a: (String, BufferSlice), _ b: (String, BufferSlice)) throws {
        guard a.1.buffer === b.1.buffer else { return }
        let overlap = a.1.offset < b.1.offset + b.1.count && b.1.offset < a.1.offset + a.1.count
        if overlap {
            throw MaskstreamError(
                .invalidInput, "\(op): \(a.0) and \(b.0) overlap in the same buffer: use separate buffers")
        }
    }
}
