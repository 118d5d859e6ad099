/// A rational number, as FFmpeg uses for time bases and frame rates.
public struct Rational: Hashable, Sendable, Codable, CustomStringConvertible {
    public var num: Int32
    public var den: Int32
    public init(_ num: Int32, _ den: Int32) { self.num = num; self.den = den }
    /// The value as a double; 0 when the denominator is 0.
    public var value: Double { den == 0 ? 0 : Double(num) / Double(den) }
    public var description: String { "\(num)/\(den)" }
}

/// A presentation timestamp in its stream's time base. Every frame carries one from
/// decode to sink; nothing downstream invents time.
public struct Timestamp: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The timestamp in `timeBase` units.
    public var pts: Int64
    /// The stream time base.
    public var timeBase: Rational
    public init(pts: Int64, timeBase: Rational) { self.pts = pts; self.timeBase = timeBase }
    /// The timestamp in seconds.
    public var seconds: Double { Double(pts) * timeBase.value }
    public var description: String { "\(pts)@\(timeBase)" }
}
