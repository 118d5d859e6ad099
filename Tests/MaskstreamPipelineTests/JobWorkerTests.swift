import Foundation
import Testing
import MaskstreamTestSupport
@testable import MaskstreamPipeline

// Nested in InputRobustnessTests, whose .serialized trait then covers it: these runs load the
// CPU (model on lavapipe, worker processes) and must not overlap the real-time RTSP test.
extension InputRobustnessTests {
    /// File jobs over Redis with real `maskstream worker` processes: one is SIGKILLed mid-job, and
    /// every job still finishes, each output complete and written exactly once.
    @Suite(.timeLimit(.minutes(8))) struct JobWorkerTests {
        static let root = TestMedia.repositoryRoot
        static let frames = 10

        func maskstream(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
            try TestMedia.run(CommandLineTests.binary, arguments, timeout: 60)
        }

        func jobs(_ redis: RedisTestServer) throws -> [String: String] {
            let lines = try maskstream(["jobs", "--redis", redis.url]).stdout.split(separator: "\n")
            return Dictionary(uniqueKeysWithValues: lines.map { line in
                let parts = line.split(separator: " ", maxSplits: 1)
                return (String(parts[0]), String(parts.count > 1 ? parts[1] : ""))
            })
        }

        func startWorker(_ name: String, redis: RedisTestServer, log: URL, lease: Int = 3) throws -> Process {
            let p = TestMedia.processWithDefaultSignals(CommandLineTests.binary)
            p.arguments! += ["worker", "--redis", redis.url, "--lease", String(lease), "--name", name]
            FileManager.default.createFile(atPath: log.path(), contents: nil)
            p.standardError = try FileHandle(forWritingTo: log)
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            return p
        }

        func waitFor(_ what: String, timeout: Double = 300, _ condition: () throws -> Bool) throws {
            let deadline = Date().addingTimeInterval(timeout)
            while try !condition() {
                guard Date() < deadline else { throw TestFailure("timed out waiting for \(what)") }
                Thread.sleep(forTimeInterval: 0.2)
            }
        }

        /// Two workers, six jobs (plus one whose input is not a video): worker A is SIGKILLed while it
        /// runs a job. Worker B takes that job over after the lease (XAUTOCLAIM) and runs the rest;
        /// every output folder holds exactly one complete run (records = frames, one KLV packet
        /// each: nothing appended from A's partial run); the bad job is dead after its two
        /// attempts, with its error in the dead-letter stream.
        @Test func killedWorkersJobIsFinishedByTheOtherExactlyOnce() throws {
            let dir = try TestMedia.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let redis = try RedisTestServer()
            try redis.start()
            let pipeline = dir.appending(path: "p.yaml")
            try """
                sources:
                  - url: \(Self.root.appending(path: "examples/sample.mp4").path())
                    max_frames: \(Self.frames)
                model:
                  path: \(Self.root.appending(path: "models/default").path())
                tracker: {}
                sinks:
                  - { type: jsonl, path: s.jsonl }
                  - { type: ts, path: s.ts }
                """.write(to: pipeline, atomically: true, encoding: .utf8)
            let sample = Self.root.appending(path: "examples/sample.mp4").path()
            var ids: [String] = []
            for k in 0..<6 {
                let r = try maskstream(["submit", "--redis", redis.url, "--pipeline", pipeline.path(),
                                        "--input", sample,
                                        "--output", dir.appending(path: "out/job\(k)").path()])
                #expect(r.status == 0, "\(r.stderr)")
                ids.append(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            let garbage = dir.appending(path: "garbage.mp4")
            try Data(repeating: 0x5A, count: 4096).write(to: garbage)
            let bad = try maskstream(["submit", "--redis", redis.url, "--pipeline", pipeline.path(), "--input",
                                      garbage.path(), "--output", dir.appending(path: "out/bad").path(),
                                      "--max-attempts", "2"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(Set(ids + [bad]).count == 7)
            let queued = try jobs(redis)
            #expect(queued.count == 7 && queued.values.allSatisfy { $0.hasPrefix("pending") }, "\(queued)")

            let a = try startWorker("A", redis: redis, log: dir.appending(path: "a.log"))
            defer { if a.isRunning { kill(a.processIdentifier, SIGKILL) } }
            var killedJob = ""
            try waitFor("worker A to run a job") {
                let running = try jobs(redis).first { $0.value.contains("running") && $0.value.contains("worker=A") }
                guard let (id, _) = running else { return false }
                killedJob = id
                return true
            }
            let b = try startWorker("B", redis: redis, log: dir.appending(path: "b.log"))
            defer { if b.isRunning { kill(b.processIdentifier, SIGKILL) } }
            kill(a.processIdentifier, SIGKILL)
            a.waitUntilExit()

            try waitFor("every job to end") {
                let states = try jobs(redis)
                return ids.allSatisfy { states[$0]?.hasPrefix("done") == true }
                    && states[bad]?.hasPrefix("dead") == true
            }
            kill(b.processIdentifier, SIGTERM)
            b.waitUntilExit()
            #expect(b.terminationStatus == 0, "a SIGTERMed idle worker exits cleanly")

            let states = try jobs(redis)
            let taken = try #require(states[killedJob])
            #expect(taken.contains("worker=B") && !taken.contains("attempts=1 "), "B re-ran A's job: \(taken)")
            for k in 0..<6 {
                let out = dir.appending(path: "out/job\(k)")
                let files = try FileManager.default.contentsOfDirectory(atPath: out.path()).sorted()
                #expect(files == ["s.jsonl", "s.ts"], "job\(k): \(files)")
                let records = try FrameRecord.readJSONL(out.appending(path: "s.jsonl"))
                #expect(records.map(\.frame) == Array(0..<Self.frames), "job\(k): one complete run, nothing appended")
                let klv = try MetadataTrackReader.read(path: out.appending(path: "s.ts").path())
                #expect(klv.count == Self.frames, "job\(k): one KLV packet per record")
            }
            #expect(!FileManager.default.fileExists(atPath: dir.appending(path: "out/bad").path()),
                    "a dead job has no output")
            let dead = try redis.cli(["XRANGE", "maskstream:jobs:dead", "-", "+"])
            #expect(dead.contains(bad) && dead.contains("garbage.mp4"),
                    "the dead letter names the job and its error: \(dead)")
            #expect(try redis.cli(["XPENDING", "maskstream:jobs", "workers"]).hasPrefix("0"), "every job acknowledged")
        }

        /// Jobs that run far longer than the lease (1 s) are kept by their worker's heartbeat: with
        /// two workers polling, each job is handed out once (XAUTOCLAIM would count a second).
        @Test func heartbeatKeepsLongJobsFromBeingTakenOver() throws {
            let dir = try TestMedia.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let redis = try RedisTestServer()
            try redis.start()
            let pipeline = dir.appending(path: "p.yaml")
            try """
                sources:
                  - url: \(Self.root.appending(path: "examples/sample.mp4").path())
                    max_frames: 40
                model:
                  path: \(Self.root.appending(path: "models/default").path())
                tracker: {}
                sinks:
                  - { type: jsonl, path: s.jsonl }
                """.write(to: pipeline, atomically: true, encoding: .utf8)
            let sample = Self.root.appending(path: "examples/sample.mp4").path()
            let ids = try (0..<3).map { k in
                try maskstream(["submit", "--redis", redis.url, "--pipeline", pipeline.path(), "--input", sample,
                                "--output", dir.appending(path: "out/job\(k)").path()])
                    .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            let workers = try ["A", "B"].map {
                try startWorker($0, redis: redis, log: dir.appending(path: "\($0).log"), lease: 1)
            }
            defer { for w in workers where w.isRunning { kill(w.processIdentifier, SIGKILL) } }
            try waitFor("every job to end") {
                let states = try jobs(redis)
                return ids.allSatisfy { states[$0]?.hasPrefix("done") == true }
            }
            for w in workers {
                kill(w.processIdentifier, SIGTERM)
                w.waitUntilExit()
            }
            for (id, line) in try jobs(redis) { #expect(line.contains("attempts=1 "), "\(id): \(line)") }
            for k in 0..<3 {
                let records = try FrameRecord.readJSONL(dir.appending(path: "out/job\(k)/s.jsonl"))
                #expect(records.map(\.frame) == Array(0..<40))
            }
        }

        /// The job commands' errors: typed, non-zero exit.
        @Test func malformedRedisAddressIsAConfigError() throws {
            let r = try maskstream(["jobs", "--redis", "http://127.0.0.1:1"])
            #expect(r.status != 0)
            #expect(r.stderr.contains("config") && r.stderr.contains("redis://"), "\(r.stderr)")
            let port = TestMedia.freePort()
            let down = try maskstream(["jobs", "--redis", "redis://127.0.0.1:\(port)"])
            #expect(down.status != 0)
            #expect(down.stderr.contains("network") && down.stderr.contains("redisConnectWithTimeout"),
                    "\(down.stderr)")
        }
    }
}
