import Foundation

/// When and how often a live source reconnects: exponential backoff with a ceiling.
public struct ReconnectPolicy: Sendable, Codable, Equatable {
    /// Seconds before the first retry.
    public var initialDelay: Double = 0.5
    /// Ceiling on the delay between retries.
    public var maxDelay: Double = 8
    /// Factor applied to the delay after each failed attempt.
    public var multiplier: Double = 2
    /// Failed attempts in a row after which the source gives up; nil retries forever.
    public var maxAttempts: Int? = 10

    public init(initialDelay: Double = 0.5, maxDelay: Double = 8, multiplier: Double = 2, maxAttempts: Int? = 10) {
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.multiplier = multiplier
        self.maxAttempts = maxAttempts
    }
}

/// The lifecycle of a live source as a value-type state machine, tested without
/// concurrency: connecting → streaming → (stream fails) → backoff → connecting … → failed.
public struct ReconnectStateMachine: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        case idle
        case connecting(attempt: Int)
        case streaming
        case backingOff(attempt: Int, delay: Double)
        case failed(attempts: Int)
    }

    /// What the caller does next.
    public enum Action: Sendable, Equatable {
        case connect
        case wait(seconds: Double)
        case giveUp(attempts: Int)
        case none
    }

    public private(set) var state: State = .idle
    public let policy: ReconnectPolicy
    /// Successful connections after the first one.
    public private(set) var reconnects = 0
    private var everConnected = false

    public init(policy: ReconnectPolicy = .init()) { self.policy = policy }

    /// Begins connecting (from idle or after a backoff wait).
    public mutating func start() -> Action {
        switch state {
        case .idle: state = .connecting(attempt: 1); return .connect
        case .backingOff(let attempt, _): state = .connecting(attempt: attempt + 1); return .connect
        default: return .none
        }
    }

    /// The connection opened.
    public mutating func connected() {
        if everConnected { reconnects += 1 }
        everConnected = true
        state = .streaming
    }

    /// Connecting failed, or an open stream died.
    public mutating func failed() -> Action {
        let attempt: Int
        switch state {
        case .connecting(let a): attempt = a
        case .streaming: attempt = 0
        case .failed(let a): return .giveUp(attempts: a)
        default: return .none
        }
        if let limit = policy.maxAttempts, attempt >= limit {
            state = .failed(attempts: attempt)
            return .giveUp(attempts: attempt)
        }
        let delay = attempt == 0 ? 0 : min(policy.maxDelay, policy.initialDelay * pow(policy.multiplier, Double(attempt - 1)))
        state = .backingOff(attempt: attempt, delay: delay)
        return .wait(seconds: delay)
    }
}
