import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A strictly validated `.safetensors` file: an 8-byte little-endian header length, a JSON
/// header naming every tensor's dtype, shape and byte range, then the raw data.
///
/// Every rule of the format is checked before any tensor is read: a header that is truncated or
/// not a JSON object, an unknown dtype, a negative or non-integer shape, offsets that are out of
/// range, overlapping or inconsistent with the shape all throw `MaskstreamError(.malformedModel)`
/// naming the file and the tensor.
///
/// ```swift
/// let file = try SafeTensorsFile(contentsOf: folder.appending(path: "model.safetensors"))
/// let w = try file.floats("query.weight", shape: [200, 384])
/// ```
public struct SafeTensorsFile: Sendable {
    /// The element types a safetensors file can declare.
    public enum DType: String, Sendable, CaseIterable {
        case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
        case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", bool = "BOOL"
        case u16 = "U16", u32 = "U32", u64 = "U64", f8e4m3 = "F8_E4M3", f8e5m2 = "F8_E5M2"

        /// Bytes per element.
        public var size: Int {
            switch self {
            case .f64, .i64, .u64: 8
            case .f32, .i32, .u32: 4
            case .f16, .bf16, .i16, .u16: 2
            case .i8, .u8, .bool, .f8e4m3, .f8e5m2: 1
            }
        }
    }

    /// One tensor's header entry.
    public struct Entry: Sendable, Equatable {
        public var dtype: DType
        public var shape: [Int]
        /// Byte range inside the data section (after the header).
        public var dataRange: Range<Int>
        /// Number of elements (product of the shape; 1 for a scalar).
        public var count: Int { shape.reduce(1, *) }
    }

    /// The file name used in error messages.
    public let name: String
    /// Tensor name → header entry.
    public let entries: [String: Entry]
    /// The `__metadata__` string map, if any.
    public let metadata: [String: String]
    private let data: Data
    private let dataStart: Int
    /// The file's memory map when read from disk (nil for in-memory buffers).
    private let mapping: FileMapping?

    /// The largest header accepted (the reference implementation uses the same 100 MB cap).
    public static let maxHeaderBytes = 100_000_000

    /// Maps and validates the file at `url`. Tensor bytes are read from the map in place: the
    /// file is never copied into host memory, and each tensor's pages are handed back to the OS
    /// after `floats` converts it, so a loaded model holds no host copy of its weights.
    public init(contentsOf url: URL) throws {
        let mapping: FileMapping
        do {
            mapping = try FileMapping(path: url.path)
        } catch let error as MaskstreamError {
            throw MaskstreamError(.notFound, "cannot read weights file '\(url.path)': check that the model folder contains model.safetensors", cause: error)
        }
        let data = mapping.count == 0 ? Data()
            : Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: mapping.base!), count: mapping.count, deallocator: .none)
        try self.init(data: data, name: url.lastPathComponent, mapping: mapping)
    }

    /// Validates an in-memory safetensors buffer; `name` is used in error messages.
    public init(data: Data, name: String) throws {
        try self.init(data: data, name: name, mapping: nil)
    }

    private init(data: Data, name: String, mapping: FileMapping?) throws {
        self.name = name
        self.mapping = mapping
        func bad(_ why: String) -> MaskstreamError {
            MaskstreamError(.malformedModel, "\(name): \(why); re-export the weights with safetensors' save_file or `save_pretrained(safe_serialization=True)`")
        }
        // Indices from 0; a file's mapped bytes are used in place (no host copy of the weights).
        let bytes = data.startIndex == 0 ? data : Data(data)
        guard bytes.count >= 8 else { throw bad("file is \(bytes.count) bytes, shorter than the 8-byte header length") }
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard headerLength <= UInt64(Self.maxHeaderBytes) else { throw bad("header length \(headerLength) exceeds \(Self.maxHeaderBytes) bytes") }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw bad("header length \(headerLength) runs past the end of the file (\(bytes.count) bytes): the file is truncated")
        }
        let headerEnd = 8 + Int(headerLength)
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: bytes[8..<headerEnd], options: [])
        } catch {
            throw bad("header is not valid JSON")
        }
        guard let object = json as? [String: Any] else { throw bad("header is not a JSON object") }
        let dataSize = bytes.count - headerEnd
        var entries: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        for (key, value) in object {
            if key == "__metadata__" {
                guard let map = value as? [String: Any] else { throw bad("__metadata__ is not an object") }
                for (k, v) in map {
                    guard let s = v as? String else { throw bad("__metadata__ value for '\(k)' is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard let fields = value as? [String: Any] else { throw bad("tensor '\(key)': entry is not an object") }
            guard let dtypeName = fields["dtype"] as? String else { throw bad("tensor '\(key)': missing dtype") }
            guard let dtype = DType(rawValue: dtypeName) else { throw bad("tensor '\(key)': unknown dtype '\(dtypeName)'") }
            guard let shapeArray = fields["shape"] as? [Any] else { throw bad("tensor '\(key)': missing shape") }
            var shape: [Int] = []
            var count = 1
            for dim in shapeArray {
                guard let d = Self.integer(dim), d >= 0 else { throw bad("tensor '\(key)': shape \(shapeArray) has a negative or non-integer dimension") }
                let (product, overflow) = count.multipliedReportingOverflow(by: d)
                guard !overflow, product <= dataSize else { throw bad("tensor '\(key)': shape \(shapeArray) is larger than the file") }
                shape.append(d)
                count = product
            }
            guard let offsets = fields["data_offsets"] as? [Any], offsets.count == 2,
                  let begin = Self.integer(offsets[0]), let end = Self.integer(offsets[1]) else {
                throw bad("tensor '\(key)': data_offsets must be two integers [begin, end]")
            }
            guard begin >= 0, begin <= end else { throw bad("tensor '\(key)': data_offsets [\(begin), \(end)] are not ordered") }
            guard end <= dataSize else {
                throw bad("tensor '\(key)': data_offsets [\(begin), \(end)] run past the data section (\(dataSize) bytes): the file is truncated")
            }
            guard end - begin == count * dtype.size else {
                throw bad("tensor '\(key)': data_offsets [\(begin), \(end)] hold \(end - begin) bytes but shape \(shape) of \(dtypeName) needs \(count * dtype.size)")
            }
            entries[key] = Entry(dtype: dtype, shape: shape, dataRange: begin..<end)
        }
        let sorted = entries.filter { !$0.value.dataRange.isEmpty }.sorted { $0.value.dataRange.lowerBound < $1.value.dataRange.lowerBound }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.value.dataRange.upperBound > b.value.dataRange.lowerBound {
            throw bad("tensors '\(a.key)' and '\(b.key)' have overlapping data_offsets")
        }
        self.entries = entries
        self.metadata = metadata
        self.data = bytes
        self.dataStart = headerEnd
        // The header's pages are not needed again.
        mapping?.release(0..<headerEnd)
    }

    private static func integer(_ value: Any) -> Int? {
        guard let n = value as? NSNumber else { return nil }
        // Reject booleans and non-integral numbers.
        if String(cString: n.objCType) == "c" { return nil }
        let d = n.doubleValue
        guard d.rounded() == d, abs(d) < 9.0e15 else { return nil }
        return n.intValue
    }

    /// The header entry of tensor `key`, checked against `shape` when given and against the
    /// element types `floats` converts (F32, F16, BF16, F64), without reading its data.
    ///
    /// - Throws: `MaskstreamError(.malformedModel)` for a missing tensor or another shape,
    ///   `.unsupported` for an integer or 8-bit float dtype.
    @discardableResult
    public func entry(_ key: String, shape expected: [Int]? = nil, reason: String = "") throws -> Entry {
        guard let entry = entries[key] else {
            throw MaskstreamError(.malformedModel, "\(name): tensor '\(key)' is missing\(reason.isEmpty ? "" : " (\(reason))"); the weights do not belong to this config.json")
        }
        if let expected, expected != entry.shape {
            throw MaskstreamError(.malformedModel, "\(name): tensor '\(key)' has shape \(entry.shape) but config.json needs \(expected)\(reason.isEmpty ? "" : " (\(reason))"); the weights do not belong to this config.json")
        }
        switch entry.dtype {
        case .f32, .f64, .f16, .bf16: return entry
        default:
            throw MaskstreamError(.unsupported, "\(name): tensor '\(key)' has dtype \(entry.dtype.rawValue); maskstream reads F32, F16, BF16 or F64 weights")
        }
    }

    /// The tensor `name` converted to `Float` (from F32, F16, BF16 or F64), checking its shape
    /// against `shape` when given (`entry`). A mapped file's pages of the tensor are released
    /// afterwards (read again from the page cache if the tensor is read again).
    ///
    /// - Complexity: O(n) in the tensor's element count.
    public func floats(_ key: String, shape expected: [Int]? = nil, reason: String = "") throws -> [Float] {
        let entry = try entry(key, shape: expected, reason: reason)
        let start = dataStart + entry.dataRange.lowerBound
        let n = entry.count
        var out = [Float](repeating: 0, count: n)
        guard n > 0 else { return out }
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let base = raw.baseAddress!.advanced(by: start)
            out.withUnsafeMutableBufferPointer { dst in
                switch entry.dtype {
                case .f32:
                    for i in 0..<n { dst[i] = Float(bitPattern: base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self).littleEndian) }
                case .f64:
                    for i in 0..<n { dst[i] = Float(Double(bitPattern: base.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self).littleEndian)) }
                case .f16:
                    for i in 0..<n { dst[i] = Self.halfToFloat(base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).littleEndian) }
                default: // .bf16 (`entry` admits float types only)
                    for i in 0..<n { dst[i] = Float(bitPattern: UInt32(base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).littleEndian) << 16) }
                }
            }
        }
        mapping?.release(start..<(start + entry.dataRange.count))
        return out
    }

    /// IEEE 754 half → single precision, exact for every value (subnormals, inf, NaN).
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h >> 15) << 31
        let exponent = Int(h >> 10) & 0x1F
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0 {
            // zero or subnormal: mantissa * 2^-24
            let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign != 0 ? -magnitude : magnitude
        }
        if exponent == 0x1F {
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
    }
}

/// A read-only private memory map of a whole file, unmapped when the last reference goes.
/// `release` hands pages back to the OS (`MADV_DONTNEED`): they stop counting as this
/// process's resident memory and are read again from the page cache on the next access.
final class FileMapping: @unchecked Sendable {
    /// The first byte (nil for an empty file).
    let base: UnsafeRawPointer?
    let count: Int
    private static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    init(path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw MaskstreamError(.io, "open failed: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw MaskstreamError(.io, "fstat failed: \(String(cString: strerror(errno)))") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw MaskstreamError(.io, "not a regular file") }
        count = Int(info.st_size)
        if count == 0 {
            base = nil
            return
        }
        let address = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let address, address != MAP_FAILED else {
            throw MaskstreamError(.io, "mmap failed: \(String(cString: strerror(errno)))")
        }
        base = UnsafeRawPointer(address)
    }

    /// Releases the whole pages inside `range` (byte offsets into the file).
    func release(_ range: Range<Int>) {
        guard let base else { return }
        let page = Self.pageSize
        let lower = (range.lowerBound + page - 1) / page * page
        let upper = min(range.upperBound, count) / page * page
        guard upper > lower else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + lower), upper - lower, MADV_DONTNEED)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), count) }
    }
}
