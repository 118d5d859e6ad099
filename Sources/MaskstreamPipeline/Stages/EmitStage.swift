import Foundation

/// The Emit stage: every sink gets every frame in order: the pipeline's sinks every stream's,
/// a stream's own sinks (`POST /streams` `sinks`) its own, finished when it ends. A pipeline
/// sink that fails is reported, stops the pipeline and gets nothing more; the others go on,
/// and all are finished. A stream's own sink that fails stops that stream only.
struct EmitStage: Stage {
    typealias Output = Void
    let name = "emit"
    let sinks: [any FrameSink]
    let streams: StreamRegistry
    let metrics: PipelineMetrics
    /// Reports a sink's error and stops the pipeline.
    let fail: @Sendable (any Error) -> Void
    let log: @Sendable (String) -> Void
    /// Called after each frame with the frames written so far.
    let progress: (Int) -> Void
    private var failed = Set<Int>()
    /// Streams whose own sinks failed or finished.
    private var closed = Set<Int>()

    init(sinks: [any FrameSink], streams: StreamRegistry, metrics: PipelineMetrics,
         fail: @escaping @Sendable (any Error) -> Void, log: @escaping @Sendable (String) -> Void,
         progress: @escaping (Int) -> Void) {
        self.sinks = sinks
        self.streams = streams
        self.metrics = metrics
        self.fail = fail
        self.log = log
        self.progress = progress
    }

    mutating func begin(_ source: SourceContext) throws {
        each { try $0.begin(source: source) }
        own(source.id) { try $0.begin(source: source) }
    }

    mutating func process(_ frame: Emission) throws {
        let t0 = Date()
        each { try $0.write(frame) }
        own(frame.record.source) { try $0.write(frame) }
        metrics.observe(.sink, seconds: Date().timeIntervalSince(t0))
        var age: Double?
        if frame.decodedAt > 0 {
            let now = DispatchTime.now().uptimeNanoseconds
            age = Double(now &- frame.decodedAt) / 1e9
            metrics.observeRecordAge(seconds: age ?? 0)
        }
        metrics.observeRecord(frame.record, ageSeconds: age)
        metrics.frameDone(instances: frame.record.instances.count)
        streams.recordWritten(frame.record.source)
        progress(metrics.framesProcessed)
    }

    mutating func end(source: Int) throws {
        finishOwn(source)
        streams.drained(source)
        metrics.sourceEnded(source)
        each { try $0.end(source: source) }
    }

    mutating func finish() throws {
        for sink in sinks {
            do { try sink.finish() } catch { fail(error) }
        }
        for stage in streams.stages { finishOwn(stage.id) }
    }

    private mutating func each(_ body: (any FrameSink) throws -> Void) {
        for (i, sink) in sinks.enumerated() where !failed.contains(i) {
            do { try body(sink) } catch {
                failed.insert(i)
                fail(error)
            }
        }
    }

    /// Runs `body` on stream `id`'s own sinks; an error finishes them and stops that stream.
    private mutating func own(_ id: Int, _ body: (any FrameSink) throws -> Void) {
        let mine = streams.sinks(of: id)
        guard !mine.isEmpty, !closed.contains(id) else { return }
        do { for sink in mine { try body(sink) } } catch {
            log("stream \(id): a sink of its own failed, so the stream stops: \(error)")
            if let stage = streams.stages.first(where: { $0.id == id }) {
                stage.failed(error)
                stage.stop()
            }
            finishOwn(id)
        }
    }

    private mutating func finishOwn(_ id: Int) {
        guard closed.insert(id).inserted else { return }
        for sink in streams.sinks(of: id) {
            do { try sink.finish() } catch { log("stream \(id): finishing a sink of its own failed: \(error)") }
        }
    }
}
