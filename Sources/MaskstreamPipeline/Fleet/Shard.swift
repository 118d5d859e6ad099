/// One shard of `n` (`--shard i/n`): which of a camera list a replica of a StatefulSet-style
/// deployment runs. Sources are assigned by rendezvous (highest-random-weight) hashing: each
/// source goes to the shard whose hash of (source, shard) is highest, so every replica computes
/// the same split from the same list with no coordination, and when `n` changes only the
/// sources whose winner changed move (about 1/(n+1) of them when a shard is added; only the
/// removed shard's when one is removed).
///
/// ```swift
/// let shard = try Shard(parsing: "1/3")
/// shard.owns("rtsp://cam-7/stream")   // true on exactly one of 0/3, 1/3, 2/3
/// ```
public struct Shard: Sendable, Hashable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1, (0..<count).contains(index) else {
            throw MaskstreamError(.config,
                                  "--shard \(index)/\(count): write i/n with n ≥ 1 and 0 ≤ i < n (e.g. 0/3)")
        }
        self.index = index
        self.count = count
    }

    /// Parses `i/n`; a pod name's ordinal (`maskstream-2`) is `i`, the replica count `n`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw MaskstreamError(.config, "--shard '\(text)': write i/n, e.g. 0/3 (the first of three shards)")
        }
        try self.init(index: i, count: n)
    }

    public var description: String { "\(index)/\(count)" }

    /// The shard, of `count`, that runs `key`.
    /// - Complexity: O(count × key length).
    public static func owner(of key: String, count: Int) -> Int {
        var best = 0
        var bestWeight: UInt64 = 0
        for shard in 0..<count {
            let w = weight(key, shard)
            if shard == 0 || w > bestWeight { (best, bestWeight) = (shard, w) }
        }
        return best
    }

    /// Whether this shard runs `key` (a source's URL).
    public func owns(_ key: String) -> Bool { Self.owner(of: key, count: count) == index }

    /// A hash of (key, shard) that is the same on every machine and run (Swift's `Hasher` is
    /// seeded per process): FNV-1a over the bytes, finished by SplitMix64's mixer.
    static func weight(_ key: String, _ shard: Int) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        h = (h ^ UInt64(truncatingIfNeeded: shard)) &* 0x100_0000_01b3
        h = (h ^ (h >> 30)) &* 0xbf58_476d_1ce4_e5b9
        h = (h ^ (h >> 27)) &* 0x94d0_49bb_1331_11eb
        return h ^ (h >> 31)
    }
}

extension PipelineConfig {
    /// Keeps only the sources `shard` owns (by URL). Source indices are renumbered within the
    /// shard, so sharded sources that share a broker need `sources[].name` (their stream name),
    /// and file outputs a folder per shard.
    public mutating func keepSources(of shard: Shard) {
        sources = sources.filter { shard.owns($0.url) }
    }
}
