import ArgumentParser
import Dispatch
import Foundation
import MaskstreamEvaluation
import MaskstreamPipeline

extension Maskstream {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a pipeline YAML: decode, segment, track, write every sink.",
            discussion: """
            Examples:
              maskstream run pipelines/default.yaml
              maskstream run pipelines/default.yaml --input clip.mp4 --output out/clip --max-frames 100
              maskstream run pipelines/rtsp.yaml --input rtsp://127.0.0.1:8554/cam
              maskstream run pipelines/default.yaml --set model.threshold=0.3 --set tracker.max_lost_frames=60
              maskstream run pipelines/default.yaml --view                # live viewer at http://127.0.0.1:8765/
              maskstream run pipelines/default.yaml --view 0.0.0.0:9000
            Every key of the pipeline YAML can be set with --set (`maskstream keys` lists them).
            Ctrl-C stops reading, drains the frames in flight and finishes every output.
            """)

        @Argument(help: "The pipeline YAML file.") var pipeline: String
        @Option(help: ArgumentHelp("Replace the first source's URL: a file, image folder, 'frames/%05d.jpg', "
                                   + "'frames/*.png', - (stdin), /dev/video0 or rtsp://....")) var input: String?
        @Option(help: "Write every sink's file into this folder (file names kept).") var output: String?
        @Option(help: "Replace the model: a folder or a Hugging Face repo id (org/name[@revision]).") var model: String?
        @Option(help: "Vulkan device: auto, an index, or a name substring (see 'maskstream devices').") var device: String?
        @Option(help: "Process at most this many frames per source.") var maxFrames: Int?
        @Option(name: .customLong("set"), help: "Set a pipeline key: KEY=VALUE (e.g. model.threshold=0.3); repeatable.")
        var settings: [String] = []
        @Flag(help: "Plain log lines instead of a progress bar.") var noProgress = false
        @Option(help: ArgumentHelp("Run only this shard's sources, i/n (rendezvous hashing of their URLs): "
                                   + "one of n replicas, e.g. a StatefulSet's pod ordinal.")) var shard: String?
        @Flag(help: ArgumentHelp("Serve the live viewer (and /metrics, /ws) whatever the sinks; an address may "
                                 + "follow: --view HOST:PORT (default 127.0.0.1:8765, or the YAML's server:)."))
        var view = false
        @Argument(help: ArgumentHelp("The viewer's HOST:PORT, after --view.", valueName: "host:port"))
        var viewAddress: String?

        func validate() throws {
            if let maxFrames, maxFrames < 1 { throw ValidationError("--max-frames must be at least 1") }
            if viewAddress != nil, !view { throw ValidationError("unexpected argument '\(viewAddress ?? "")'") }
            if let viewAddress { _ = try ViewAddress(parsing: viewAddress) }
        }

        func run() async throws {
            do {
                var config = try PipelineConfig.load(path: pipeline)
                try config.apply(input: input, output: output, model: model, device: device, maxFrames: maxFrames,
                                 settings: settings)
                if let shard {
                    let s = try Shard(parsing: shard)
                    let total = config.sources.count
                    config.keepSources(of: s)
                    let line = "shard \(s): \(config.sources.count) of \(total) sources"
                    if config.sources.isEmpty {
                        // A replica without cameras idles until stopped (a StatefulSet keeps it).
                        let stop = DispatchSemaphore(value: 0)
                        let signals = SignalHandler { stop.signal() }
                        defer { signals.cancel() }
                        FileHandle.standardError.write(Data("\(line); idle until stopped\n".utf8))
                        await withCheckedContinuation { done in
                            DispatchQueue.global().async { stop.wait(); done.resume() }
                        }
                        return
                    }
                    FileHandle.standardError.write(Data("\(line)\n".utf8))
                }
                if view {
                    config.viewer = config.viewer ?? PipelineConfig.Viewer()
                    if let viewAddress {
                        let address = try ViewAddress(parsing: viewAddress)
                        var server = config.server ?? PipelineConfig.Server()
                        (server.host, server.port) = (address.host, address.port)
                        config.server = server
                    }
                }
                let tty = isatty(STDERR_FILENO) == 1 && !noProgress
                let bar = ProgressBar(enabled: tty)
                let runner = PipelineRunner(
                    config: config,
                    log: { line in bar.log(line) },
                    progress: { frames, total in bar.update(frames: frames, total: total) })
                // SIGHUP reloads the model from model.path (e.g. after the folder was replaced).
                let signals = SignalHandler(onStop: { runner.stop() }, onReload: {
                    Task { _ = try? await runner.reloadModel() }
                })
                defer { signals.cancel() }
                let summary = try await runner.run()
                bar.finish()
                let line = String(format: "%d frames in %.1f s (%.2f fps)", summary.framesWritten, summary.seconds, summary.fps)
                    + (summary.droppedFrames > 0 ? ", \(summary.droppedFrames) live frames dropped" : "")
                    + (summary.stoppedEarly ? ", stopped early" : "")
                    + (summary.meanBatch > 1.005 ? String(format: ", %.2f frames per batch", summary.meanBatch) : "")
                FileHandle.standardError.write(Data("done: \(line)\n".utf8))
                let stages = PipelineMetrics.Stage.allCases.map { ($0, runner.metrics.meanLatency($0)) }
                let slowest = stages.map(\.1).max() ?? 0
                let stageText = stages.map { "\($0.0.rawValue) " + String(format: "%.1f ms", $0.1 * 1000) }.joined(separator: ", ")
                let ratio = slowest > 0 ? summary.fps * slowest : 0
                FileHandle.standardError.write(Data(("stages (mean per frame): \(stageText); " + String(format: "pipeline fps / slowest-stage fps = %.2f\n", ratio)).utf8))
                if let shadow = config.shadow {
                    let a = runner.metrics.shadowAgreement
                    func f(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "n/a" }
                    FileHandle.standardError.write(Data(("shadow \(shadow.path): \(a.frames) frames compared, "
                        + "matched IoU \(f(a.meanIoU)), class agreement \(f(a.classAgreement)), score shift "
                        + "\(f(a.meanScoreShift)), primary found \(f(a.primaryMatched))\n").utf8))
                }
                for s in config.sinks { if let p = s.path, p != "-" { FileHandle.standardError.write(Data("  \(s.kind.rawValue): \(p)\n".utf8)) } }
                for b in summary.brokers {
                    let s = b.stats
                    let line = "  \(b.sink): \(b.target): \(s.delivered) of \(s.submitted) records delivered, "
                        + "\(s.dropped) dropped, \(s.reconnects) reconnects"
                    FileHandle.standardError.write(Data("\(s.dropped > 0 ? "warning:" : "")\(line)\n".utf8))
                }
                if !summary.damagedSources.isEmpty {
                    for (id, damage) in summary.damagedSources.sorted(by: { $0.key < $1.key }) {
                        let url = config.sources[id].url
                        FileHandle.standardError.write(Data("warning: input '\(url)' is damaged: \(damage)\n".utf8))
                    }
                    FileHandle.standardError.write(Data(("finished with damaged input: every decodable frame was "
                        + "processed and all outputs are valid (exit status \(ExitStatus.damagedInput))\n").utf8))
                    throw ExitCode(ExitStatus.damagedInput)
                }
            } catch let code as ExitCode { throw code } catch { throw fail(error) }
        }
    }
}

/// `maskstream run`'s exit statuses: 0 success, 1 an error (typed, on standard error),
/// 3 finished but an input was damaged (every decodable frame processed, outputs valid),
/// 130 aborted by a second Ctrl-C.
enum ExitStatus {
    static let damagedInput: Int32 = 3
}

/// The write end of the pipe `SignalHandler`'s C handler writes signal numbers to (`write` is
/// async-signal-safe). Set before the handler is installed, never closed.
nonisolated(unsafe) private var signalPipeWrite: Int32 = -1

/// SIGINT/SIGTERM: the first asks the pipeline to stop gracefully, the second exits at once.
///
/// The handlers are installed with `sigaction` before `init` returns, so a signal sent as soon
/// as the process says it is ready is never lost. (With `signal(SIG_IGN)` plus a
/// `DispatchSourceSignal`, libdispatch registered the source later on its own thread, and a
/// SIGTERM arriving in between was ignored: an idle shard then never exited.) The handler only
/// writes the signal number to a pipe; a thread of its own reads it and runs the callbacks.
final class SignalHandler: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    private var active = true
    private let signals: [Int32]

    /// SIGINT/SIGTERM call `onStop` (a second one exits 130); SIGHUP calls `onReload`.
    init(onStop: @escaping @Sendable () -> Void, onReload: (@Sendable () -> Void)? = nil) {
        signals = [SIGINT, SIGTERM] + (onReload == nil ? [] : [SIGHUP])
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            FileHandle.standardError.write(Data("warning: no pipe for signal handling (errno \(errno)): Ctrl-C and SIGTERM stop at once\n".utf8))
            return
        }
        let readEnd = fds[0]
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        signalPipeWrite = fds[1]
        let thread = Thread { [self] in
            var byte: UInt8 = 0
            while true {
                let n = read(readEnd, &byte, 1)
                if n < 0, errno == EINTR { continue }
                guard n == 1 else { return }
                handle(Int32(byte), onStop: onStop, onReload: onReload)
            }
        }
        thread.name = "maskstream:signals"
        thread.start()
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { sig in
            var byte = UInt8(truncatingIfNeeded: sig)
            _ = write(signalPipeWrite, &byte, 1)
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = Int32(SA_RESTART)
        for sig in signals { sigaction(sig, &action, nil) }
    }

    private func handle(_ sig: Int32, onStop: @Sendable () -> Void, onReload: (@Sendable () -> Void)?) {
        if sig == SIGHUP {
            if lock.withLock({ active }) { onReload?() }
            return
        }
        let n: Int? = lock.withLock {
            guard active else { return nil }
            count += 1
            return count
        }
        guard let n else { return }
        if n == 1 {
            FileHandle.standardError.write(Data("\nstopping: draining frames in flight and finishing outputs (again to abort)\n".utf8))
            onStop()
        } else {
            exit(130)
        }
    }

    /// Stops calling back and gives the signals their default actions again.
    func cancel() {
        lock.withLock { active = false }
        for sig in signals { signal(sig, SIG_DFL) }
    }
}

/// A one-line progress bar on a terminal (frames, fps, ETA); plain log lines otherwise.
final class ProgressBar: @unchecked Sendable {
    private let enabled: Bool
    private let lock = NSLock()
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var drawn = false

    init(enabled: Bool) { self.enabled = enabled }

    func log(_ line: String) {
        lock.withLock {
            if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            FileHandle.standardError.write(Data("\(line)\n".utf8))
        }
    }

    func update(frames: Int, total: Int?) {
        lock.withLock {
            let now = Date()
            let elapsed = now.timeIntervalSince(start)
            let fps = elapsed > 0 ? Double(frames) / elapsed : 0
            if enabled {
                guard now.timeIntervalSince(lastDraw) > 0.1 || frames == total else { return }
                lastDraw = now
                var text: String
                if let total, total > 0 {
                    let f = min(1, Double(frames) / Double(total))
                    let width = 30
                    let filled = Int(f * Double(width))
                    let eta = fps > 0 ? Double(max(0, total - frames)) / fps : 0
                    text = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]"
                    text += String(format: " %d/%d frames  %.2f fps  ETA %.0fs", frames, total, fps, eta)
                } else {
                    text = String(format: "%d frames  %.2f fps", frames, fps)
                }
                FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
                drawn = true
            } else if frames % 50 == 0 {
                FileHandle.standardError.write(Data(String(format: "frames=%d fps=%.2f\n", frames, fps).utf8))
            }
        }
    }

    func finish() {
        lock.withLock { if drawn { FileHandle.standardError.write(Data("\n".utf8)); drawn = false } }
    }
}
