import Foundation
import MaskstreamBrokers

/// File jobs spread over machines on Redis, with no scheduler of our own: jobs are entries of
/// the stream `maskstream:jobs`, workers a consumer group (`workers`) on it. A worker reads a
/// new job with `XREADGROUP`, keeps it with a heartbeat (`XCLAIM … JUSTID` resets its idle
/// time), and `XACK`s it only when every sink finished and the output is in place; a job
/// idle past the lease (its worker died) is taken over with `XAUTOCLAIM`. Each job's state is
/// kept in the hash `maskstream:job:<id>`; a job that failed `max_attempts` times is moved to
/// the stream `maskstream:jobs:dead` with its error.
///
/// ```swift
/// let queue = try JobQueue(url: BrokerURL("redis://127.0.0.1:6379", scheme: .redis))
/// let id = try queue.submit(JobSpec(pipeline: yaml, input: "clip.mp4", output: "out/clip"))
/// ```
public final class JobQueue {
    public static let stream = "maskstream:jobs"
    public static let deadLetters = "maskstream:jobs:dead"
    public static let group = "workers"

    let redis: RedisConnection

    /// `timeout` bounds every call (longer than a worker's blocking read).
    public init(url: BrokerURL, timeout: Double = 5) throws {
        redis = try RedisConnection(url: url, timeout: timeout)
    }

    static func stateKey(_ id: String) -> String { "maskstream:job:\(id)" }

    /// Enqueues a job; returns its id (the stream entry's id).
    public func submit(_ spec: JobSpec) throws -> String {
        guard let id = try redis.checked(["XADD", Self.stream, "*", "job", try spec.json()]).string else {
            throw MaskstreamError(.internal, "XADD \(Self.stream) returned no id")
        }
        try redis.checked(["HSET", Self.stateKey(id), "state", JobState.pending.rawValue, "output", spec.output])
        return id
    }

    /// Every job, oldest first, with its state.
    public func list() throws -> [JobStatus] {
        let entries = try redis.checked(["XRANGE", Self.stream, "-", "+"]).elements
        let ids = entries.compactMap { $0.elements.first?.string }
        let hashes = try redis.pipeline(ids.map { ["HGETALL", Self.stateKey($0)] })
        return zip(ids, hashes).map { id, hash in
            let pairs = hash.elements.compactMap(\.string)
            var fields: [String: String] = [:]
            for i in stride(from: 0, to: pairs.count - 1, by: 2) { fields[pairs[i]] = pairs[i + 1] }
            return JobStatus(id: id, state: fields["state"].flatMap(JobState.init(rawValue:)) ?? .pending,
                             attempts: fields["attempts"].flatMap(Int.init) ?? 0, worker: fields["worker"],
                             output: fields["output"] ?? "", error: fields["error"])
        }
    }

    /// Creates the consumer group (and the stream) unless it exists.
    public func joinGroup() throws {
        let reply = try redis.command(["XGROUP", "CREATE", Self.stream, Self.group, "0", "MKSTREAM"])
        if case .error(let e) = reply, !e.hasPrefix("BUSYGROUP") {
            throw MaskstreamError(.invalidInput, "XGROUP CREATE \(Self.stream) failed: \(e)")
        }
    }

    /// The next job for `consumer`: one idle past `lease` seconds (its worker died), else a new
    /// one (waiting up to `block` seconds); nil when there is none.
    public func next(consumer: String, lease: Double, block: Double) throws -> Job? {
        let claimed = try redis.checked(["XAUTOCLAIM", Self.stream, Self.group, consumer,
                                         String(Int(lease * 1000)), "0-0", "COUNT", "1"])
        if let entry = claimed.elements.dropFirst().first?.elements.first, let job = Job(entry: entry) {
            return job
        }
        let read = try redis.checked(["XREADGROUP", "GROUP", Self.group, consumer, "COUNT", "1",
                                      "BLOCK", String(Int(block * 1000)), "STREAMS", Self.stream, ">"])
        guard let entry = read.elements.first?.elements.dropFirst().first?.elements.first else { return nil }
        return Job(entry: entry)
    }

    /// How many times the job was handed to a worker (this time included).
    public func deliveries(_ id: String) throws -> Int {
        let pending = try redis.checked(["XPENDING", Self.stream, Self.group, id, id, "1"])
        return pending.elements.first?.elements.dropFirst(3).first?.integer ?? 1
    }

    /// Resets the job's idle time so no other worker takes it over while `consumer` runs it.
    public func heartbeat(_ id: String, consumer: String) throws {
        try redis.checked(["XCLAIM", Self.stream, Self.group, consumer, "0", id, "JUSTID"])
    }

    public func markRunning(_ id: String, consumer: String, attempt: Int) throws {
        try redis.checked(["HSET", Self.stateKey(id), "state", JobState.running.rawValue, "worker", consumer,
                           "attempts", String(attempt)])
    }

    /// The job's output is in place: acknowledged, done.
    public func complete(_ id: String) throws {
        _ = try redis.pipeline([["HSET", Self.stateKey(id), "state", JobState.done.rawValue],
                                ["HDEL", Self.stateKey(id), "error"],
                                ["XACK", Self.stream, Self.group, id]])
    }

    /// The job failed on attempt `attempt`: after `maxAttempts` it goes to the dead letters
    /// (acknowledged, state dead); before, it stays pending and is retried after the lease.
    /// Returns whether it is dead.
    @discardableResult
    public func fail(_ id: String, error: String, attempt: Int, maxAttempts: Int) throws -> Bool {
        guard attempt >= maxAttempts else {
            try redis.checked(["HSET", Self.stateKey(id), "state", JobState.pending.rawValue, "error", error])
            return false
        }
        _ = try redis.pipeline([["XADD", Self.deadLetters, "*", "id", id, "error", error,
                                 "attempts", String(attempt)],
                                ["HSET", Self.stateKey(id), "state", JobState.dead.rawValue, "error", error],
                                ["XACK", Self.stream, Self.group, id]])
        return true
    }
}
