import Foundation

/// When and how often a live source reconnects: capped exponential backoff with jitter. By
/// default a live source never gives up: a camera that reboots, or is down for an hour, is
/// picked up again when it comes back.
public struct ReconnectPolicy: Sendable, Codable, Equatable {
    /// Seconds before the first retry.
    public var initialDelay: Double = 0.5
    /// Ceiling on the delay between retries.
    public var maxDelay: Double = 8
    /// Factor applied to the delay after each failed attempt.
    public var multiplier: Double = 2
    /// Failed attempts in a row after which the source gives up; nil retries forever.
    public var maxAttempts: Int?
    /// Each delay is scaled by a random factor in `1 ± jitter`, so a fleet of cameras behind one
    /// restarted server does not reconnect in lockstep.
    public var jitter: Double = 0.2

    public init(initialDelay: Double = 0.5, maxDelay: Double = 8, multiplier: Double = 2, maxAttempts: Int? = nil,
                jitter: Double = 0.2) {
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.multiplier = multiplier
        self.maxAttempts = maxAttempts
        self.jitter = jitter
    }

    /// The wait before retry `attempt + 1` after `attempt` failed attempts in a row (0: the
    /// stream died after streaming, retried at once); `unit` in [0, 1] picks the jitter.
    public func delay(afterFailedAttempts attempt: Int, unit: Double) -> Double {
        guard attempt > 0 else { return 0 }
        let base = min(maxDelay, initialDelay * pow(multiplier, Double(attempt - 1)))
        return base * (1 + jitter * (2 * min(max(unit, 0), 1) - 1))
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

        /// The state's name in logs and metrics.
        public var name: String {
            switch self {
            case .idle: "idle"
            case .connecting: "connecting"
            case .streaming: "streaming"
            case .backingOff: "backing_off"
            case .failed: "failed"
            }
        }
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

    /// Connecting failed, or an open stream died; `jitterUnit` in [0, 1] picks the delay's
    /// jitter (random by default; 0.5 is the plain backoff).
    public mutating func failed(jitterUnit: Double = Double.random(in: 0...1)) -> Action {
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
        let delay = policy.delay(afterFailedAttempts: attempt, unit: jitterUnit)
        state = .backingOff(attempt: attempt, delay: delay)
        return .wait(seconds: delay)
    }
}
