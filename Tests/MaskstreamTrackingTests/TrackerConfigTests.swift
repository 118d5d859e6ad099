import Foundation
import Testing
@testable import MaskstreamTracking

@Suite struct TrackerConfigTests {
    @Test func emptyObjectDecodesToDefaults() throws {
        let config = try JSONDecoder().decode(TrackerConfig.self, from: Data("{}".utf8))
        #expect(config == TrackerConfig())
        try config.validate()
    }

    @Test func subsetKeepsOtherDefaults() throws {
        let json = #"{"maxLostFrames": 60, "embeddingWeight": 0.5, "outputTentative": true}"#
        let config = try JSONDecoder().decode(TrackerConfig.self, from: Data(json.utf8))
        var expected = TrackerConfig()
        expected.maxLostFrames = 60
        expected.embeddingWeight = 0.5
        expected.outputTentative = true
        #expect(config == expected)
    }

    @Test func roundTrips() throws {
        var config = TrackerConfig()
        config.minIoU = 0.2
        config.predictMotion = false
        let back = try JSONDecoder().decode(TrackerConfig.self, from: JSONEncoder().encode(config))
        #expect(back == config)
    }

    @Test func wrongTypeIsADecodingError() {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(TrackerConfig.self, from: Data(#"{"maxLostFrames": "many"}"#.utf8))
        }
    }

    @Test(arguments: ["maxLostFrames", "confirmHits", "minIoU", "maxCost", "embeddingMomentum", "highScoreThreshold"])
    func validateNamesTheBadKey(key: String) {
        var config = TrackerConfig()
        switch key {
        case "maxLostFrames": config.maxLostFrames = -1
        case "confirmHits": config.confirmHits = 0
        case "minIoU": config.minIoU = 1.5
        case "maxCost": config.maxCost = .nan
        case "embeddingMomentum": config.embeddingMomentum = 1
        default: config.highScoreThreshold = 0.05
        }
        do {
            try config.validate()
            Issue.record("expected a config error for \(key)")
        } catch let error as MaskstreamError {
            #expect(error.code == .config)
            #expect(error.message.contains("tracker.\(key)"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}
