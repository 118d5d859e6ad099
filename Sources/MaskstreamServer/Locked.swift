import Foundation

/// A value guarded by a lock, so a `Sendable` class can hold mutable state.
///
/// Used internally by the hub, the histogram and the server; kept tiny on purpose.
final class Locked<State>: @unchecked Sendable {
    private let lock = NSLock()
    private var state: State

    init(_ state: State) { self.state = state }

    /// Runs `body` with exclusive access to the state.
    func withLock<R>(_ body: (inout State) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&state)
    }
}
