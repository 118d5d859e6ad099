import Testing
@testable import MaskstreamTracking

/// Runs a tracker over frames and returns, per frame, object key → track ID, where
/// each detection's object key is its index in the frame's `keys` list.
private func run(_ frames: [[(key: Int, det: Detection)]], config: TrackerConfig = .init()) -> (ids: [[Int: Int]], tracker: Tracker) {
    var tracker = Tracker(config: config)
    var out: [[Int: Int]] = []
    for frame in frames {
        let result = tracker.update(frame.map(\.det))
        var map: [Int: Int] = [:]
        for r in result {
            if let entry = frame.first(where: { $0.det == r.detection }) { map[entry.key] = r.trackId }
        }
        out.append(map)
    }
    return (out, tracker)
}

/// The single track ID each object got over the run, or nil when it got several.
private func stableIds(_ ids: [[Int: Int]]) -> [Int: Int?] {
    var seen: [Int: Set<Int>] = [:]
    for frame in ids { for (k, id) in frame { seen[k, default: []].insert(id) } }
    return seen.mapValues { $0.count == 1 ? $0.first : nil }
}

@Suite struct TrackerTests {
    @Test(arguments: [true, false])
    func crossingObjectsKeepTheirIds(useEmbeddings: Bool) {
        // A moves right, B moves left on nearly the same row; they overlap fully mid-way.
        let frames = (0..<20).map { f -> [(key: Int, det: Detection)] in
            let a = rectDetection(x: 10 + 5 * f, y: 20, embedding: useEmbeddings ? identity(0) : [])
            let b = rectDetection(x: 105 - 5 * f, y: 22, embedding: useEmbeddings ? identity(1) : [])
            return [(0, a), (1, b)]
        }
        let (ids, _) = run(frames)
        let stable = stableIds(ids)
        #expect(stable.count == 2)
        #expect(stable[0] != nil && stable[1] != nil)
        #expect(stable[0]! != stable[1]!)
        #expect(ids.dropFirst().allSatisfy { $0.count == 2 })
    }

    /// Object hidden for `hidden` frames, then back further along its path (or, with
    /// `jump`, somewhere else entirely, found by its embedding only).
    @Test(arguments: [(5, false, true), (12, false, true), (12, true, true), (40, false, false)])
    func occlusionAndReentry(hidden: Int, jump: Bool, sameIdExpected: Bool) {
        var frames: [[(key: Int, det: Detection)]] = []
        let other = { (f: Int) in rectDetection(x: 100, y: 40, embedding: identity(3)) }
        for f in 0..<(10 + hidden + 5) {
            var frame: [(key: Int, det: Detection)] = [(1, other(f))]
            let visible = f < 10 || f >= 10 + hidden
            if visible {
                let x = jump && f >= 10 ? 70 : 5 + 2 * f
                let y = jump && f >= 10 ? 45 : 10
                frame.append((0, rectDetection(x: x, y: y, embedding: identity(0))))
            }
            frames.append(frame)
        }
        var config = TrackerConfig()
        config.maxLostFrames = 30
        config.reidSimilarity = 0.75  // re-identification by embedding (off by default)
        let (ids, tracker) = run(frames, config: config)
        let before = ids[9][0]
        let after = ids.last?[0]
        #expect(before != nil && after != nil)
        if sameIdExpected {
            #expect(before == after)
        } else {
            #expect(before != after)
            #expect(after! > before!)  // never reused
        }
        #expect(stableIds(ids)[1] != nil)
        #expect(tracker.trackStates.count == 2)
    }

    @Test func objectLeavingTheFrameIsLostThenRemovedAndItsIdIsNotReused() {
        var config = TrackerConfig()
        config.maxLostFrames = 5
        var tracker = Tracker(config: config)
        var firstId: Int?
        // Moves right by 8 px per frame across a 128 px wide frame and out.
        for f in 0..<20 {
            let x = 70 + 8 * f
            let dets = x < 128 ? [rectDetection(x: x, y: 20)] : []
            let out = tracker.update(dets)
            if f == 3 { firstId = out.first?.trackId }
        }
        #expect(firstId != nil)
        #expect(tracker.trackStates.isEmpty)
        // A new object entering where the old one was gets a fresh ID.
        _ = tracker.update([rectDetection(x: 110, y: 20)])
        let out = tracker.update([rectDetection(x: 108, y: 20)])
        #expect(out.count == 1)
        #expect(out[0].trackId > firstId!)
    }

    @Test func lostStateIsVisibleDuringOcclusion() {
        var tracker = Tracker()
        for _ in 0..<3 { _ = tracker.update([rectDetection(x: 10, y: 10)]) }
        let id = tracker.lastIssuedId
        #expect(tracker.trackStates[id] == .confirmed)
        _ = tracker.update([])
        #expect(tracker.trackStates[id] == .lost)
        let back = tracker.update([rectDetection(x: 10, y: 10)])
        #expect(back.map(\.trackId) == [id])
        #expect(back.first?.state == .confirmed)
    }

    @Test(arguments: [true, false])
    func classFlickerKeepsTheId(useEmbeddings: Bool) {
        let frames = (0..<15).map { f -> [(key: Int, det: Detection)] in
            let cls = f % 3 == 2 ? 7 : 1
            return [(0, rectDetection(x: 10 + f, y: 10, classId: cls, embedding: useEmbeddings ? identity(0) : [])),
                    (1, rectDetection(x: 60, y: 30, classId: 2, embedding: useEmbeddings ? identity(1) : []))]
        }
        let (ids, _) = run(frames)
        let stable = stableIds(ids)
        #expect(stable[0] != nil && stable[1] != nil)
        #expect(ids.dropFirst().allSatisfy { $0.count == 2 })
    }

    @Test func emptyFramesAreHarmless() {
        var tracker = Tracker()
        #expect(tracker.update([]).isEmpty)
        #expect(tracker.update([]).isEmpty)
        #expect(tracker.trackStates.isEmpty)
        #expect(tracker.frameCount == 2)
        _ = tracker.update([rectDetection(x: 5, y: 5)])
        let out = tracker.update([rectDetection(x: 6, y: 5)])
        #expect(out.count == 1)
        #expect(out[0].trackId == 1)
    }

    @Test(arguments: [0, 200])
    func manyInstancesKeepStableIds(count: Int) {
        // A 10 × 20 grid of 8 px squares on a 160 × 320 canvas, drifting 1 px per frame.
        let frames = (0..<6).map { f -> [(key: Int, det: Detection)] in
            (0..<count).map { k in
                let det = rectDetection(x: 2 + (k % 20) * 16 + f, y: 2 + (k / 20) * 16, w: 8, h: 8,
                                        classId: k % 5, embedding: identity(k, dim: 16), height: 160, width: 320)
                return (k, det)
            }
        }
        let (ids, tracker) = run(frames)
        for frame in ids { #expect(frame.count == count) }  // score 0.9: confirmed at birth
        let stable = stableIds(ids)
        #expect(stable.values.allSatisfy { $0 != nil })
        #expect(Set(stable.values.compactMap { $0 }).count == count)
        #expect(tracker.lastIssuedId == count)
    }

    @Test func lowScoreDetectionsExtendTracksButNeverStartThem() {
        var tracker = Tracker()
        _ = tracker.update([rectDetection(x: 10, y: 10)])
        let id = tracker.update([rectDetection(x: 11, y: 10)]).first?.trackId
        #expect(id != nil)
        // The score drops below the high threshold for a while (partial occlusion).
        for f in 0..<4 {
            let out = tracker.update([rectDetection(x: 12 + f, y: 10, score: 0.3),
                                      rectDetection(x: 80, y: 40, score: 0.3)])
            #expect(out.map(\.trackId) == [id!])
        }
        #expect(tracker.lastIssuedId == 1)
        // Scores under lowScoreThreshold are ignored entirely.
        #expect(tracker.update([rectDetection(x: 16, y: 10, score: 0.05)]).isEmpty)
        #expect(tracker.trackStates[id!] == .lost)
    }

    @Test func tentativeTracksThatDieBurnTheirIds() {
        var config = TrackerConfig()
        config.confirmScoreThreshold = 2  // every track starts tentative
        var tracker = Tracker(config: config)
        _ = tracker.update([rectDetection(x: 10, y: 10)])  // id 1, tentative
        _ = tracker.update([])                              // id 1 removed
        _ = tracker.update([rectDetection(x: 10, y: 10)])  // id 2
        let out = tracker.update([rectDetection(x: 10, y: 10)])
        #expect(out.map(\.trackId) == [2])
    }

    @Test func outputTentativeReportsNewTracksAtBirth() {
        var config = TrackerConfig()
        config.outputTentative = true
        config.confirmScoreThreshold = 2
        var tracker = Tracker(config: config)
        let out = tracker.update([rectDetection(x: 10, y: 10)])
        #expect(out.map(\.state) == [.tentative])
    }

    @Test func malformedDetectionsDoNotCrash() {
        var tracker = Tracker()
        let odd: [Detection] = [
            rectDetection(x: 10, y: 10, score: .nan),
            rectDetection(x: 10, y: 10, embedding: [.nan, 1]),
            rectDetection(x: 10, y: 10, embedding: [0, 0, 0]),
            rectDetection(x: 10, y: 10, w: 0, h: 0),
            Detection(rle: rectRLE(x: 0, y: 0, w: 4, h: 4, height: 8, width: 8), classId: -3, score: 0.9),
            Detection(rle: rectRLE(x: 30, y: 30, w: 4, h: 4),
                      box: BoundingBox(x: .nan, y: .infinity, width: -1, height: 2), classId: 1, score: 0.9),
        ]
        for _ in 0..<4 {
            let out = tracker.update(odd)
            #expect(out.count <= odd.count)
            #expect(Set(out.map(\.trackId)).count == out.count)
        }
        // Embeddings of different sizes between frames.
        _ = tracker.update([rectDetection(x: 50, y: 10, embedding: identity(0, dim: 4))])
        _ = tracker.update([rectDetection(x: 50, y: 10, embedding: identity(0, dim: 9))])
    }

    @Test func eachTrackGetsAtMostOneDetectionPerFrame() {
        var tracker = Tracker()
        for f in 0..<5 {
            // Duplicate detections of the same object.
            let out = tracker.update([rectDetection(x: 10 + f, y: 10), rectDetection(x: 10 + f, y: 10, score: 0.95)])
            #expect(Set(out.map(\.trackId)).count == out.count)
        }
    }
}
