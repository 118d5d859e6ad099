import Foundation
@testable import MaskstreamPipeline

extension FrameRecord {
    /// Reads a JSON Lines sink's file back: one record per line, in file order.
    static func readJSONL(_ url: URL) throws -> [FrameRecord] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { try FrameRecord.decode(json: Array($0.utf8)) }
    }
}
