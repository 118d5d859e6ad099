import Foundation
import MaskstreamBrokers

/// `maskstream worker`: takes jobs from the ``JobQueue`` one at a time and runs each as
/// `maskstream run PIPELINE --input INPUT --output OUTPUT` would, in this process.
///
/// A job's sinks write into a fresh folder beside its output (`.<name>.part-<worker>-<random>`);
/// only when every sink finished is it renamed onto the output (replacing what a dead worker
/// or an earlier run left there, never appending to it) and the job acknowledged. A heartbeat
/// thread resets the job's idle time every lease/3 s, so a long job is not taken over; when
/// the worker dies the heartbeat stops and another worker claims the job after the lease.
public final class JobWorker: @unchecked Sendable {
    public let url: BrokerURL
    public let consumer: String
    public let lease: Double
    private let log: @Sendable (String) -> Void
    private let state = Locked((stopping: false, runner: PipelineRunner?.none))

    public init(url: BrokerURL, consumer: String, lease: Double, log: @escaping @Sendable (String) -> Void) {
        self.url = url
        self.consumer = consumer
        self.lease = lease
        self.log = log
    }

    /// Stops taking jobs; a job in progress is stopped and left unacknowledged (another
    /// worker re-runs it after the lease).
    public func stop() {
        let runner = state.withLock { s in
            s.stopping = true
            return s.runner
        }
        runner?.stop()
    }

    private var stopping: Bool { state.withLock { $0.stopping } }

    /// Runs jobs until ``stop()``. A lost Redis connection is retried with backoff.
    public func run() async throws {
        var backoff = Backoff(maxDelay: 5)
        var queue: JobQueue?
        log("worker \(consumer): \(url) stream \(JobQueue.stream), group \(JobQueue.group), lease \(lease) s")
        while !stopping {
            do {
                let q = try queue ?? JobQueue(url: url, timeout: 5)
                if queue == nil { try q.joinGroup() }
                queue = q
                backoff.reset()
                guard let job = try q.next(consumer: consumer, lease: lease, block: 1) else { continue }
                try await handle(job, queue: q)
            } catch let e as MaskstreamError where e.code == .network {
                log("worker \(consumer): \(e.message); retrying")
                queue = nil
                try await Task.sleep(nanoseconds: UInt64(backoff.next() * 1e9))
            }
        }
    }

    private func handle(_ job: Job, queue: JobQueue) async throws {
        let attempt = try queue.deliveries(job.id)
        guard let spec = job.spec else {
            try queue.fail(job.id, error: job.problem ?? "not a job", attempt: attempt, maxAttempts: attempt)
            log("job \(job.id): dead: \(job.problem ?? "")")
            return
        }
        // Handed out more often than allowed: its workers died (or were stopped) every time.
        if attempt > spec.maxAttempts {
            let why = "no worker finished it in \(attempt - 1) attempts (the workers died or were stopped)"
            try queue.fail(job.id, error: why, attempt: attempt, maxAttempts: spec.maxAttempts)
            log("job \(job.id): dead: \(why)")
            return
        }
        try queue.markRunning(job.id, consumer: consumer, attempt: attempt)
        log("job \(job.id): attempt \(attempt) of \(spec.maxAttempts): \(spec.input) → \(spec.output)")
        let heartbeat = Heartbeat(url: url, job: job.id, consumer: consumer, every: lease / 3, log: log)
        defer { heartbeat.stop() }
        let frames: Int
        do { frames = try await runJob(spec) } catch {
            if stopping { return }
            let text = (error as? MaskstreamError)?.description ?? "\(error)"
            let dead = try queue.fail(job.id, error: text, attempt: attempt, maxAttempts: spec.maxAttempts)
            log("job \(job.id): attempt \(attempt) failed: \(text)"
                + (dead ? "; dead (moved to \(JobQueue.deadLetters))" : "; retried after the lease"))
            return
        }
        if stopping {
            log("job \(job.id): stopped; left for another worker")
            return
        }
        try queue.complete(job.id)
        log("job \(job.id): done (\(frames) frames) → \(spec.output)")
    }

    /// Runs the pipeline into a fresh folder, then puts it in place of the output.
    private func runJob(_ spec: JobSpec) async throws -> Int {
        let output = URL(fileURLWithPath: spec.output).standardizedFileURL
        let parent = output.deletingLastPathComponent()
        let tag = "\(consumer)-\(UUID().uuidString.prefix(8))"
        let part = parent.appending(path: ".\(output.lastPathComponent).part-\(tag)")
        defer { try? FileManager.default.removeItem(at: part) }
        var config = try PipelineConfig.parse(yaml: spec.pipeline, file: "job pipeline")
        try config.apply(input: spec.input, output: part.path)
        try FileManager.default.createDirectory(at: part, withIntermediateDirectories: true)
        let runner = PipelineRunner(config: config, log: log)
        state.withLock { $0.runner = runner }
        defer { state.withLock { $0.runner = nil } }
        if stopping { return 0 }
        let summary = try await runner.run()
        if stopping { return summary.framesWritten }
        try Self.replace(output, with: part)
        return summary.framesWritten
    }

    /// Moves `part` onto `output` (rename; an existing output is moved aside first and removed
    /// after), so readers see the old output or the new one, never a mix.
    static func replace(_ output: URL, with part: URL) throws {
        let fm = FileManager.default
        let old = output.deletingLastPathComponent()
            .appending(path: ".\(output.lastPathComponent).old-\(UUID().uuidString.prefix(8))")
        do {
            if fm.fileExists(atPath: output.path) { try fm.moveItem(at: output, to: old) }
            try fm.moveItem(at: part, to: output)
            try? fm.removeItem(at: old)
        } catch {
            throw MaskstreamError(.io, "cannot move the job's output into '\(output.path)': "
                + error.localizedDescription)
        }
    }
}

/// Keeps a running job claimed: every `every` seconds `XCLAIM … JUSTID` on its own connection.
final class Heartbeat: @unchecked Sendable {
    private let stopped = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    init(url: BrokerURL, job: String, consumer: String, every: Double, log: @escaping @Sendable (String) -> Void) {
        let thread = Thread { [stopped, finished] in
            var queue: JobQueue?
            while stopped.wait(timeout: .now() + every) == .timedOut {
                do {
                    let q = try queue ?? JobQueue(url: url, timeout: 5)
                    queue = q
                    try q.heartbeat(job, consumer: consumer)
                } catch {
                    log("job \(job): heartbeat failed: \(error); retrying")
                    queue = nil
                }
            }
            finished.signal()
        }
        thread.name = "maskstream.heartbeat"
        thread.start()
    }

    func stop() {
        stopped.signal()
        finished.wait()
    }
}
