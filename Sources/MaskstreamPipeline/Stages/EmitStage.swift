import Foundation

/// The Emit stage: every sink gets every frame in order. A sink that fails is reported,
/// stops the pipeline and gets nothing more; the others go on, and all are finished.
struct EmitStage: Stage {
    typealias Output = Void
    let name = "emit"
    let sinks: [any FrameSink]
    let metrics: PipelineMetrics
    /// Reports a sink's error and stops the pipeline.
    let fail: @Sendable (any Error) -> Void
    /// Called after each frame with the frames written so far.
    let progress: (Int) -> Void
    private var failed = Set<Int>()

    init(sinks: [any FrameSink], metrics: PipelineMetrics, fail: @escaping @Sendable (any Error) -> Void,
         progress: @escaping (Int) -> Void) {
        self.sinks = sinks
        self.metrics = metrics
        self.fail = fail
        self.progress = progress
    }

    mutating func begin(_ source: SourceContext) throws {
        each { try $0.begin(source: source) }
    }

    mutating func process(_ frame: Emission) throws {
        let t0 = Date()
        each { try $0.write(frame) }
        metrics.observe(.sink, seconds: Date().timeIntervalSince(t0))
        var age: Double?
        if frame.decodedAt > 0 {
            let now = DispatchTime.now().uptimeNanoseconds
            age = Double(now &- frame.decodedAt) / 1e9
            metrics.observeRecordAge(seconds: age ?? 0)
        }
        metrics.observeRecord(frame.record, ageSeconds: age)
        metrics.frameDone(instances: frame.record.instances.count)
        progress(metrics.framesProcessed)
    }

    mutating func end(source: Int) throws {
        metrics.sourceEnded(source)
        each { try $0.end(source: source) }
    }

    mutating func finish() throws {
        for sink in sinks {
            do { try sink.finish() } catch { fail(error) }
        }
    }

    private mutating func each(_ body: (any FrameSink) throws -> Void) {
        for (i, sink) in sinks.enumerated() where !failed.contains(i) {
            do { try body(sink) } catch {
                failed.insert(i)
                fail(error)
            }
        }
    }
}
