import ArgumentParser
import Foundation
import MaskstreamBrokers
import MaskstreamPipeline

/// The Redis address every fleet subcommand takes.
struct RedisOption: ParsableArguments {
    @Option(help: "The Redis server holding the job stream: redis://[:password@]host[:port][/db].")
    var redis: String

    func url() throws -> BrokerURL { try BrokerURL(redis, scheme: .redis) }
}

extension Maskstream {
    struct Submit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enqueue a file job on Redis for `maskstream worker`s; prints the job's id.",
            discussion: """
            Example: maskstream submit --redis redis://127.0.0.1:6379 --pipeline pipelines/default.yaml \\
                       --input clip.mp4 --output out/clip
            The pipeline's YAML travels in the job; paths in it (model, input, output) must exist
            where the workers run (--no-check skips checking them here).
            """)

        @OptionGroup var redis: RedisOption
        @Option(help: "The pipeline YAML file.") var pipeline: String
        @Option(help: "The job's input (replaces the pipeline's first source).") var input: String
        @Option(help: "The folder the job's sinks write into (replaced as a whole when the job is done).")
        var output: String
        @Option(help: "Attempts before the job is dead (moved to maskstream:jobs:dead).") var maxAttempts = 3
        @Flag(help: "Do not check the pipeline's files here (they exist only where the workers run).")
        var noCheck = false

        func validate() throws {
            if maxAttempts < 1 { throw ValidationError("--max-attempts must be at least 1") }
        }

        func run() throws {
            do {
                let yaml = try String(contentsOfFile: pipeline, encoding: .utf8)
                if !noCheck {
                    var check = try PipelineConfig.load(path: pipeline)
                    try check.apply(input: input, output: output)
                }
                let output = URL(fileURLWithPath: output).standardizedFileURL.path
                let input = FileManager.default.fileExists(atPath: input)
                    ? URL(fileURLWithPath: input).standardizedFileURL.path : input
                let id = try JobQueue(url: redis.url()).submit(
                    JobSpec(pipeline: yaml, input: input, output: output, maxAttempts: maxAttempts))
                print(id)
            } catch { throw fail(error) }
        }
    }

    struct Jobs: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the jobs on Redis, one per line: id, state (pending, running, done, dead), attempts, "
                + "worker, output, error.")

        @OptionGroup var redis: RedisOption

        func run() throws {
            do {
                for j in try JobQueue(url: redis.url()).list() {
                    var line = "\(j.id) \(j.state.rawValue) attempts=\(j.attempts)"
                    if let w = j.worker { line += " worker=\(w)" }
                    line += " output=\(j.output)"
                    if let e = j.error { line += " error=\(e.replacingOccurrences(of: "\n", with: " "))" }
                    print(line)
                }
            } catch { throw fail(error) }
        }
    }

    struct Worker: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run jobs from Redis (consumer group 'workers' on maskstream:jobs) until SIGTERM.",
            discussion: """
            Example: maskstream worker --redis redis://redis:6379 --lease 60
            A job is acknowledged only when every sink finished and its output folder is in place;
            a job idle past the lease (its worker died) is taken over by another worker.
            """)

        @OptionGroup var redis: RedisOption
        @Option(help: "Seconds without a heartbeat after which another worker takes a job over.") var lease = 30.0
        @Option(help: "This worker's name in the consumer group (default: host-pid).") var name: String?

        func validate() throws {
            if !(lease >= 1) { throw ValidationError("--lease must be at least 1 second") }
        }

        func run() async throws {
            do {
                let process = ProcessInfo.processInfo
                let consumer = name ?? "\(process.hostName)-\(process.processIdentifier)"
                let worker = JobWorker(url: try redis.url(), consumer: consumer, lease: lease, log: { line in
                    FileHandle.standardError.write(Data("\(line)\n".utf8))
                })
                let signals = SignalHandler { worker.stop() }
                defer { signals.cancel() }
                try await worker.run()
            } catch { throw fail(error) }
        }
    }
}
