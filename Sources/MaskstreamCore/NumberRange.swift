/// An interval of valid numbers for a setting, closed or open at either end, written as
/// config errors and docs show it (`[0, 1]`, `(0, ∞)`, `[0, 1)`).
///
/// ```swift
/// let r = NumberRange(0, 1, upperOpen: true)
/// r.contains(0.5)   // true
/// r.description     // "[0, 1)"
/// ```
public struct NumberRange: Sendable, Hashable, CustomStringConvertible {
    public var lower: Double, upper: Double
    public var lowerOpen: Bool, upperOpen: Bool

    public init(_ lower: Double, _ upper: Double, lowerOpen: Bool = false, upperOpen: Bool = false) {
        self.lower = lower
        self.upper = upper
        self.lowerOpen = lowerOpen
        self.upperOpen = upperOpen
    }

    /// `[lower, upper]`.
    public init(_ range: ClosedRange<Double>) { self.init(range.lowerBound, range.upperBound) }

    /// `[0, 1]`.
    public static let unit = NumberRange(0, 1)
    /// `[0, ∞)`.
    public static let nonNegative = NumberRange(0, .infinity, upperOpen: true)
    /// `(0, ∞)`.
    public static let positive = NumberRange(0, .infinity, lowerOpen: true, upperOpen: true)

    /// Whether `x` is finite and inside.
    public func contains(_ x: Double) -> Bool {
        x.isFinite && (lowerOpen ? x > lower : x >= lower) && (upperOpen ? x < upper : x <= upper)
    }

    public var description: String {
        func text(_ v: Double) -> String {
            v.isInfinite ? "∞" : (v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v))
        }
        return (lowerOpen ? "(" : "[") + text(lower) + ", " + text(upper) + (upperOpen ? ")" : "]")
    }
}
