import Foundation
import Testing
import MaskstreamTestSupport
@testable import MaskstreamPipeline

/// Several sources through one model: frames queued from any source go through one forward
/// pass together (`model.batch`), and every source's records are what it gets unbatched.
@Suite(.serialized) struct BatchedSourcesTests {
    static let root = TestMedia.repositoryRoot

    func config(out: URL, sources: [(url: String, frames: Int)], batch: Int) throws -> PipelineConfig {
        let list = sources.map { "  - { url: \($0.url), max_frames: \($0.frames) }" }.joined(separator: "\n")
        return try PipelineConfig.parse(yaml: """
        sources:
        \(list)
        model:
          path: \(Self.root.appending(path: "models/default").path())
          batch: \(batch)
        tracker: {}
        sinks:
          - { type: jsonl, path: \(out.appending(path: "s.jsonl").path()) }
          - { type: ts, path: \(out.appending(path: "s.ts").path()) }
        """)
    }

    /// Three sources of two sizes, batched up to 4, give each source the records (track IDs,
    /// classes, masks; scores within float rounding) and KLV packets of the same run with
    /// batches of one, and the batched run did run batches of more than one frame.
    @Test func batchedSourcesMatchOneFrameAtATime() async throws {
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let sample = Self.root.appending(path: "examples/sample.mp4").path()
        let clip = try TestMedia.makeClip(in: dir, name: "small.mp4", codec: "libx264", frames: 14, width: 160,
                                          height: 96).path()
        let sources = [(sample, 16), (clip, 14), (sample, 10)]
        var runs: [(summary: PipelineRunner.Summary, records: [FrameRecord], out: URL)] = []
        for batch in [4, 1] {
            let out = dir.appending(path: "batch\(batch)")
            let summary = try await PipelineRunner(config: config(out: out, sources: sources, batch: batch)).run()
            runs.append((summary, try FrameRecord.readJSONL(out.appending(path: "s.jsonl")), out))
        }
        let (batched, single) = (runs[0], runs[1])
        #expect(batched.summary.meanBatch > 1, "queued frames of three sources share forward passes")
        #expect(single.summary.meanBatch == 1)
        #expect(batched.summary.framesWritten == 40)
        for (id, source) in sources.enumerated() {
            let got = batched.records.filter { $0.source == id }, want = single.records.filter { $0.source == id }
            #expect(got.count == source.1 && want.count == source.1, "source \(id)")
            #expect(got.map(\.frame) == want.map(\.frame), "source \(id)")
            for (g, w) in zip(got, want) {
                #expect(g.instances.map(\.trackId) == w.instances.map(\.trackId), "source \(id) frame \(g.frame)")
                #expect(g.instances.map(\.categoryId) == w.instances.map(\.categoryId), "source \(id) frame \(g.frame)")
                #expect(g.instances.map(\.segmentation) == w.instances.map(\.segmentation),
                        "source \(id) frame \(g.frame)")
                let scores = zip(g.instances, w.instances).map { abs($0.score - $1.score) }.max() ?? 0
                #expect(scores <= 1e-4, "source \(id) frame \(g.frame)")
            }
            // Every sink agrees frame for frame: one KLV packet per record of the source.
            let ts = batched.out.appending(path: "s-\(id).ts").path()
            #expect(try MetadataTrackReader.read(path: ts).count == got.count, "source \(id)")
        }
        #expect(batched.records.contains { !$0.instances.isEmpty })
    }

    /// `model.batch` defaults to one frame per source, at most 8; it is a checked integer.
    @Test func batchDefaultsToOnePerSource() throws {
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let sample = Self.root.appending(path: "examples/sample.mp4").path()
        func batch(_ sources: Int, _ set: String? = nil) throws -> Int {
            var c = try config(out: dir, sources: Array(repeating: (sample, 1), count: sources), batch: 1)
            c.model.batch = nil
            if let set { try c.apply(settings: ["model.batch=\(set)"]) }
            return c.modelBatch
        }
        #expect(try batch(1) == 1)
        #expect(try batch(3) == 3)
        #expect(try batch(12) == 8)
        #expect(try batch(1, "5") == 5)
        for bad in ["0", "17", "two"] {
            #expect(throws: MaskstreamError.self) { try batch(2, bad) }
        }
    }
}
