import Foundation
import MaskstreamServer

/// The streams of a running pipeline, by id (the `source` of their records) and by name: those
/// of the YAML and those added through `POST /streams`, each with its own sinks (besides the
/// pipeline's) and its records counted for `/streams`. Thread-safe.
final class StreamRegistry: @unchecked Sendable {
    private struct Entry {
        let stage: SourceStage
        /// The stream's own sinks (`POST /streams` `sinks`), finished when it ends.
        let sinks: [any FrameSink]
        let needs: SinkNeeds
        var frames = 0
        var firstFrame: Date?
        var lastFrame: Date?
        /// Its `end` reached the Emit stage: every record of it is written.
        var drained = false
    }

    private let lock = NSLock()
    private var entries: [Entry] = []

    /// Every stream's source stage, in id order.
    var stages: [SourceStage] { lock.withLock { entries.map(\.stage) } }

    /// Adds a stream with the next id; throws when its name is taken.
    @discardableResult
    func add(_ source: PipelineConfig.Source, sinks: [any FrameSink] = []) throws -> SourceStage {
        try lock.withLock {
            let stage = SourceStage(id: entries.count, source: source)
            if entries.contains(where: { $0.stage.name == stage.name }) {
                throw MaskstreamError(.config, "a stream named '\(stage.name)' exists: pick another name, or "
                                      + "DELETE /streams/\(stage.name) first (a name is not reused while the "
                                      + "pipeline runs)")
            }
            let needs = sinks.reduce(into: SinkNeeds()) { $0.formUnion($1.needs) }
            entries.append(Entry(stage: stage, sinks: sinks, needs: needs))
            return stage
        }
    }

    func stage(named name: String) -> SourceStage? {
        lock.withLock { entries.first { $0.stage.name == name }?.stage }
    }

    /// The stream's own sinks.
    func sinks(of id: Int) -> [any FrameSink] {
        lock.withLock { entries.indices.contains(id) ? entries[id].sinks : [] }
    }

    /// What the stream's own sinks read besides the record.
    func needs(of id: Int) -> SinkNeeds {
        lock.withLock { entries.indices.contains(id) ? entries[id].needs : [] }
    }

    /// Counts one record written for stream `id`.
    func recordWritten(_ id: Int) {
        lock.withLock {
            guard entries.indices.contains(id) else { return }
            let now = Date()
            entries[id].frames += 1
            if entries[id].firstFrame == nil { entries[id].firstFrame = now }
            entries[id].lastFrame = now
        }
    }

    /// Marks stream `id`'s records all written (its `end` reached the Emit stage).
    func drained(_ id: Int) {
        lock.withLock { if entries.indices.contains(id) { entries[id].drained = true } }
    }

    /// Every stream as `/streams` lists it: `finished` once its last record is written (a
    /// source that stopped reading stays `live` while its frames drain).
    func statuses() -> [StreamStatus] {
        let snapshot = lock.withLock { entries }
        return snapshot.map { e in
            let s = e.stage
            let span = e.firstFrame.map { (e.lastFrame ?? $0).timeIntervalSince($0) } ?? 0
            let fps = e.frames > 1 && span > 0 ? Double(e.frames - 1) / span : 0
            let state = s.state == .finished && !e.drained ? SourceStage.Phase.live : s.state
            return StreamStatus(name: s.name, id: s.id, url: s.source.url, state: state.rawValue,
                                fps: (fps * 100).rounded() / 100, frames: e.frames, drops: s.droppedFrames,
                                reconnects: s.reconnects, lastError: s.error)
        }
    }
}
