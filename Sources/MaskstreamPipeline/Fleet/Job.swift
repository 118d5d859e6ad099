import Foundation
import MaskstreamBrokers

/// A job's lifecycle as `maskstream jobs` prints it.
public enum JobState: String, Sendable, CaseIterable {
    /// Submitted (or failed and waiting for a retry), not running.
    case pending
    case running
    /// Every sink finished; the output is in place.
    case done
    /// Failed `max_attempts` times; in `maskstream:jobs:dead` with its error.
    case dead
}

/// One line of `maskstream jobs`.
public struct JobStatus: Sendable, Equatable {
    public var id: String
    public var state: JobState
    public var attempts: Int
    public var worker: String?
    public var output: String
    public var error: String?
}

/// What a job runs: a pipeline's YAML text (carried in the job, so workers need no shared
/// copy of the file), its input and its output folder.
public struct JobSpec: Sendable, Equatable, Codable {
    public var pipeline: String
    public var input: String
    public var output: String
    /// Attempts before the job is dead.
    public var maxAttempts: Int

    public init(pipeline: String, input: String, output: String, maxAttempts: Int = 3) {
        self.pipeline = pipeline
        self.input = input
        self.output = output
        self.maxAttempts = maxAttempts
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// A job handed to a worker: its id and spec (nil, with ``problem``, for an entry that is no
/// maskstream job: it goes to the dead letters at once).
public struct Job: Sendable, Equatable {
    public var id: String
    public var spec: JobSpec?
    public var problem: String?

    /// Reads a stream entry `[id, [field, value, …]]`; nil for an entry deleted meanwhile.
    init?(entry: RedisReply) {
        guard let id = entry.elements.first?.string else { return nil }
        self.id = id
        let fields = entry.elements.dropFirst().first?.elements.compactMap(\.string) ?? []
        if let i = fields.firstIndex(of: "job"), i + 1 < fields.count,
           let spec = try? JSONDecoder().decode(JobSpec.self, from: Data(fields[i + 1].utf8)) {
            self.spec = spec
        } else {
            problem = "entry \(id) of \(JobQueue.stream) is not a maskstream job (no valid 'job' field)"
        }
    }
}
