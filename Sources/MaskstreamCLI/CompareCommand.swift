import ArgumentParser
import Foundation
import MaskstreamEvaluation
import MaskstreamPipeline

extension Maskstream {
    /// Offline agreement of two models' records of the same video (the `shadow:` figures).
    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "How far two runs' records agree, frame by frame, without ground truth.",
            discussion: """
            Instances are matched one to one by mask IoU (class-agnostic, highest IoU first); the
            summary gives the matched masks' mean IoU, class agreement, score shift, the share of
            each run's instances the other found, and the mean count difference per frame.
            Example: maskstream compare out/a.jsonl out/b.jsonl --report out/agreement.jsonl
            """)

        @Argument(help: "The primary model's records (a jsonl sink's file).") var primary: String
        @Argument(help: "The other model's records of the same frames.") var other: String
        @Option(help: "IoU at which two instances match.") var iou = 0.5
        @Option(help: "Also write one JSON line per frame here.") var report: String?

        func validate() throws {
            guard (0...1).contains(iou), iou > 0 else { throw ValidationError("--iou must be in (0, 1]") }
        }

        func run() throws {
            do {
                let a = try Self.read(primary), b = try Self.read(other)
                let byKey = Dictionary(b.map { (Key(source: $0.source, frame: $0.frame), $0) }, uniquingKeysWith: { x, _ in x })
                var summary = AgreementSummary()
                var lines: [String] = []
                var missing = 0
                for record in a {
                    guard let match = byKey[Key(source: record.source, frame: record.frame)] else { missing += 1; continue }
                    let f = ModelAgreement.compare(primary: Self.instances(record), shadow: Self.instances(match),
                                                   iouThreshold: iou)
                    summary.add(f)
                    if report != nil {
                        var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(f)) as? [String: Any] ?? [:]
                        object["source"] = record.source
                        object["frame"] = record.frame
                        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                        lines.append(String(decoding: data, as: UTF8.self))
                    }
                }
                if let report {
                    try (lines.joined(separator: "\n") + "\n").write(toFile: report, atomically: true, encoding: .utf8)
                }
                print(Self.describe(summary, onlyPrimary: missing, onlyOther: b.count - (a.count - missing)))
            } catch { throw fail(error) }
        }

        private struct Key: Hashable { var source: Int, frame: Int }

        static func read(_ path: String) throws -> [FrameRecord] {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw MaskstreamError(.notFound, "cannot read records '\(path)': pass a jsonl sink's file")
            }
            return try text.split(separator: "\n").enumerated().map { i, line in
                do { return try FrameRecord.decode(json: Data(line.utf8)) } catch {
                    throw MaskstreamError(.invalidInput, "\(path):\(i + 1): not a maskstream record: \(error)")
                }
            }
        }

        static func instances(_ r: FrameRecord) -> [AgreementInstance] {
            r.instances.map { AgreementInstance(rle: $0.segmentation, categoryId: $0.categoryId, score: $0.score) }
        }

        static func describe(_ s: AgreementSummary, onlyPrimary: Int, onlyOther: Int) -> String {
            func f(_ v: Double?, _ format: String = "%.4f") -> String { v.map { String(format: format, $0) } ?? "n/a" }
            return """
            frames compared      \(s.frames) (only in the primary: \(onlyPrimary), only in the other: \(onlyOther))
            instances            primary \(s.primary), other \(s.shadow), matched \(s.matched)
            mean matched IoU     \(f(s.meanIoU))
            class agreement      \(f(s.classAgreement))
            mean score shift     \(f(s.meanScoreShift, "%+.4f")) (other − primary)
            primary found        \(f(s.primaryMatched)) of its instances matched
            other found          \(f(s.shadowMatched)) of its instances matched
            mean |count diff|    \(f(s.meanAbsoluteCountDifference, "%.3f")) instances per frame
            """
        }
    }
}
