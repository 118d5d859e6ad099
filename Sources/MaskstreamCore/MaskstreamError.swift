/// The one error type of maskstream: a code that callers can match, a message that
/// says what went wrong and how to fix it, and the underlying cause when there is one.
///
/// ```swift
/// throw MaskstreamError(.notFound, "input file 'clip.mp4' does not exist: check the path")
/// ```
public struct MaskstreamError: Error, Sendable, CustomStringConvertible, Equatable {
    /// An extensible error code: new codes are added as static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// A file, URL, device or key that does not exist.
        public static let notFound = Code("notFound")
        /// Input that is present but not valid (corrupt media, malformed counts, bad values).
        public static let invalidInput = Code("invalidInput")
        /// A format, codec or feature maskstream does not support.
        public static let unsupported = Code("unsupported")
        /// A call into FFmpeg failed.
        public static let ffmpeg = Code("ffmpeg")
        /// A call into Vulkan failed.
        public static let vulkan = Code("vulkan")
        /// An operation did not finish in its time limit.
        public static let timeout = Code("timeout")
        /// A network stream could not be reached or died.
        public static let network = Code("network")
        /// A model folder or weights file is malformed.
        public static let malformedModel = Code("malformedModel")
        /// A pipeline YAML file or option is invalid.
        public static let config = Code("config")
        /// Reading or writing a file failed.
        public static let io = Code("io")
        /// The operation was cancelled (signal, shutdown).
        public static let cancelled = Code("cancelled")
        /// A broken invariant inside maskstream: a bug.
        public static let `internal` = Code("internal")
    }

    public var code: Code
    public var message: String
    public var cause: (any Error & Sendable)?

    public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        if let cause { return "\(code): \(message) (cause: \(cause))" }
        return "\(code): \(message)"
    }

    public static func == (lhs: MaskstreamError, rhs: MaskstreamError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message
    }
}
