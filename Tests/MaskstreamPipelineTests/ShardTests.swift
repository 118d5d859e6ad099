import Testing
@testable import MaskstreamPipeline

/// Rendezvous hashing of cameras over shards: a pure function, checked on a camera list.
struct ShardTests {
    static let cameras = (0..<600).map { "rtsp://10.0.\($0 / 200).\($0 % 200)/stream" }

    @Test func everySourceHasExactlyOneShard() throws {
        for n in 1...6 {
            let shards = try (0..<n).map { try Shard(index: $0, count: n) }
            for camera in Self.cameras { #expect(shards.filter { $0.owns(camera) }.count == 1) }
        }
    }

    @Test(arguments: [2, 3, 4, 5, 8])
    func addingAShardMovesOnlyWhatTheNewShardTakes(n: Int) {
        let before = Self.cameras.map { Shard.owner(of: $0, count: n) }
        let after = Self.cameras.map { Shard.owner(of: $0, count: n + 1) }
        let moved = zip(before, after).filter { $0 != $1 }
        #expect(moved.allSatisfy { $0.1 == n }, "a source only ever moves to the new shard")
        // About 1/(n+1) of them move; a modulo split would move about n/(n+1).
        let share = Double(moved.count) / Double(Self.cameras.count)
        #expect(share > 0.5 / Double(n + 1) && share < 1.6 / Double(n + 1), "moved \(moved.count)")
    }

    @Test(arguments: [3, 4, 6])
    func removingAShardMovesOnlyItsSources(n: Int) {
        let before = Self.cameras.map { Shard.owner(of: $0, count: n) }
        let after = Self.cameras.map { Shard.owner(of: $0, count: n - 1) }
        for (b, a) in zip(before, after) where b != a { #expect(b == n - 1) }
    }

    @Test func splitIsBalanced() {
        let counts = Self.cameras.reduce(into: [Int](repeating: 0, count: 4)) { $0[Shard.owner(of: $1, count: 4)] += 1 }
        #expect(counts.allSatisfy { $0 > 100 && $0 < 200 }, "\(counts)")
    }

    @Test(arguments: ["3/3", "-1/2", "1", "a/b", "0/0", "1/2/3"])
    func malformedShardIsAConfigError(text: String) {
        #expect { try Shard(parsing: text) } throws: { ($0 as? MaskstreamError)?.code == .config }
    }
}
