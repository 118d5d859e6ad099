/// An online multi-object tracker over per-frame instance masks.
///
/// Each `update` associates the frame's detections with the live tracks by a
/// global minimum-cost assignment (`LinearAssignment`) over a cost that mixes the
/// IoU of each track's mask and box moved forward by a constant-velocity model,
/// query-embedding similarity (for pairs that overlap) and class agreement (see
/// `TrackerConfig`). As in ByteTrack, high-score detections are matched first
/// against all tracks; low-score detections then extend tracks seen in the previous
/// frame that are still unmatched. An unmatched detection scoring at least
/// `newTrackScoreThreshold` starts a track, unless it is a fragment inside a tracked
/// detection of its class (`duplicateCover`); a track is reported from its first frame
/// when its detection scores `confirmScoreThreshold`, else once confirmed. Confirmed
/// tracks that go unmatched become lost and are remembered for `maxLostFrames` frames,
/// so an object that was occluded or left the view gets its old ID back, found by
/// overlap with its predicted mask and box (or by embedding alone, when
/// `reidSimilarity` allows it). IDs start at 1 and are never reused within one tracker.
///
/// ```swift
/// var tracker = Tracker()
/// for frame in frames {
///     for instance in tracker.update(frame.detections) {
///         print(instance.trackId, instance.detection.classId)
///     }
/// }
/// ```
public struct Tracker: Sendable {
    /// The parameters this tracker runs with.
    public let config: TrackerConfig
    /// Frames processed so far.
    public private(set) var frameCount = 0
    private var tracks: [Track] = []
    private var nextId = 1

    /// A tracker with the given parameters.
    ///
    /// Out-of-range values never crash it (counts are clamped, weights that sum
    /// to 0 disable matching), but call `TrackerConfig.validate()` first to reject
    /// them with a message.
    public init(config: TrackerConfig = .init()) {
        self.config = config
    }

    /// The state of every live (not removed) track, by ID.
    public var trackStates: [Int: TrackState] {
        Dictionary(uniqueKeysWithValues: tracks.map { ($0.id, $0.life.state) })
    }

    /// The largest ID given out so far (0 before the first track).
    public var lastIssuedId: Int { nextId - 1 }

    /// Ends every track (a model with other classes took over); IDs given out stay used, so the
    /// next track gets a new one.
    public mutating func endAllTracks() { tracks.removeAll() }

    /// Associates one frame's detections with the tracks and advances every
    /// track's lifecycle.
    ///
    /// - Parameter detections: the frame's instances, in any order. Detections
    ///   whose mask size differs from a track's can only match it by box overlap
    ///   or embedding.
    /// - Returns: one entry per detection matched to a confirmed track (and to a
    ///   tentative one when `config.outputTentative` is set), in detection order.
    /// - Complexity: O(T·D) box tests for T live tracks and D detections, plus a
    ///   run merge per pair whose boxes overlap, an embedding dot product per
    ///   admissible pair, and the O(min(T,D)²·max(T,D)) assignment.
    public mutating func update(_ detections: [Detection]) -> [TrackedInstance] {
        frameCount += 1
        let dets = detections.map(PreparedDetection.init)
        let high = Float(config.highScoreThreshold)
        let low = Float(config.lowScoreThreshold)
        var highIdx: [Int] = []
        var lowIdx: [Int] = []
        for (i, d) in dets.enumerated() {
            if d.score >= high { highIdx.append(i) } else if d.score >= low { lowIdx.append(i) }
        }

        var detTrack = [Int?](repeating: nil, count: dets.count)  // detection → track index
        var trackMatched = [Bool](repeating: false, count: tracks.count)
        let predicted = tracks.map { self.predictedMask($0) }

        // Pass 1: high-score detections against every live track.
        let allTracks = Array(tracks.indices)
        let pass1 = associate(trackIndices: allTracks, detIndices: highIdx, dets: dets, predicted: predicted,
                              minIoU: config.minIoU, allowReid: true)
        for (t, d) in pass1 {
            trackMatched[t] = true
            detTrack[d] = t
        }

        // Pass 2: low-score detections against tracks seen last frame, still unmatched.
        let recent = tracks.indices.filter { !trackMatched[$0] && tracks[$0].life.state == .confirmed }
        let pass2 = associate(trackIndices: recent, detIndices: lowIdx, dets: dets, predicted: predicted,
                              minIoU: config.lowScoreMinIoU, allowReid: false)
        for (t, d) in pass2 {
            trackMatched[t] = true
            detTrack[d] = t
        }

        // Lifecycle: hits and misses.
        for t in tracks.indices {
            if !trackMatched[t] { tracks[t].life.miss() }
        }
        for (d, t) in detTrack.enumerated() {
            guard let t else { continue }
            tracks[t].absorb(dets[d], highScore: dets[d].score >= high, config: config)
        }

        // Births from unmatched high-score detections.
        var born: [Int: Int] = [:]  // detection → new track index
        for d in highIdx where detTrack[d] == nil && dets[d].score >= config.newTrackScoreThreshold {
            if isDuplicate(d, dets, detTrack) { continue }
            born[d] = tracks.count
            tracks.append(Track(id: nextId, detection: dets[d], config: config))
            nextId += 1
        }

        var out: [TrackedInstance] = []
        out.reserveCapacity(dets.count)
        for d in dets.indices {
            guard let t = detTrack[d] ?? born[d] else { continue }
            let state = tracks[t].life.state
            if state == .confirmed || (state == .tentative && config.outputTentative) {
                out.append(TrackedInstance(trackId: tracks[t].id, detection: detections[d], state: state,
                                           trackScore: tracks[t].bestScore))
            }
        }
        tracks.removeAll { $0.life.state == .removed }
        return out
    }

    /// Whether detection `d` is a fragment of an object already tracked in this frame: its box lies,
    /// by at least `config.duplicateCover` of its area, inside the box of a higher-scoring detection
    /// of the same class that an existing track took.
    private func isDuplicate(_ d: Int, _ dets: [PreparedDetection], _ detTrack: [Int?]) -> Bool {
        guard config.duplicateCover <= 1 else { return false }
        let box = dets[d].mask.box
        let area = box.width * box.height
        guard area > 0 else { return false }
        for o in dets.indices where detTrack[o] != nil && o != d {
            let other = dets[o]
            guard other.classId == dets[d].classId, other.score > dets[d].score else { continue }
            let w = min(box.x + box.width, other.mask.box.x + other.mask.box.width) - max(box.x, other.mask.box.x)
            let h = min(box.y + box.height, other.mask.box.y + other.mask.box.height) - max(box.y, other.mask.box.y)
            if w > 0, h > 0, w * h >= config.duplicateCover * area { return true }
        }
        return false
    }

    /// The track's mask and box moved on by its velocity over the frames since it was seen.
    private func predictedMask(_ track: Track) -> PreparedMask {
        guard config.predictMotion else { return track.mask }
        let gap = Double(min(track.life.framesSinceSeen + 1, 10))
        return track.mask.moved(dx: track.velocityX * gap, dy: track.velocityY * gap)
    }

    /// Builds the cost matrix of `trackIndices × detIndices` and solves it.
    private func associate(
        trackIndices: [Int], detIndices: [Int], dets: [PreparedDetection], predicted: [PreparedMask],
        minIoU: Double, allowReid: Bool
    ) -> [(track: Int, det: Int)] {
        if trackIndices.isEmpty || detIndices.isEmpty { return [] }
        var cost = CostMatrix(rows: trackIndices.count, cols: detIndices.count, fill: .infinity)
        for (r, t) in trackIndices.enumerated() {
            let track = tracks[t]
            let reid = allowReid && track.life.state == .lost
            for (c, d) in detIndices.enumerated() {
                let det = dets[d]
                var iou = Tracker.overlap(predicted[t], det.mask)
                if config.predictMotion, track.mask.box.intersects(det.mask.box) {
                    iou = max(iou, track.mask.iou(det.mask))
                }
                let spatialOK = iou >= minIoU && iou > 0
                if !spatialOK && !reid { continue }
                let similarity = Tracker.cosine(track.embedding, det.embedding)
                if !spatialOK && (similarity ?? -1) < config.reidSimilarity { continue }
                var score = config.iouWeight * iou
                var weights = config.iouWeight
                if let similarity, config.embeddingWeight > 0 {
                    score += config.embeddingWeight * max(0, similarity)
                    weights += config.embeddingWeight
                }
                score += config.classWeight * track.classAgreement(det.classId)
                weights += config.classWeight
                guard weights > 0 else { continue }
                cost[r, c] = 1 - score / weights
            }
        }
        return LinearAssignment.solve(cost, maxCost: config.maxCost).map { (trackIndices[$0.row], detIndices[$0.col]) }
    }

    /// Spatial overlap of a track's predicted mask and box with a detection: the larger of
    /// their mask IoU and box IoU (0 when the boxes are apart). The tracker also takes the
    /// unmoved mask's IoU, so a track whose velocity is wrong (an object turning, or its
    /// visible part shrinking under an occluder) can still match where it was.
    static func overlap(_ predicted: PreparedMask, _ det: PreparedMask) -> Double {
        guard predicted.box.intersects(det.box) else { return 0 }
        return max(predicted.iou(det), predicted.box.iou(det.box))
    }

    /// Cosine similarity of two unit vectors; nil when either is missing or sizes differ.
    static func cosine(_ a: [Float], _ b: [Float]) -> Double? {
        guard !a.isEmpty, a.count == b.count else { return nil }
        var dot: Float = 0
        for i in 0..<a.count { dot += a[i] * b[i] }
        return Double(dot)
    }
}

/// A mask with its box and area computed once: a detection's, or the last one a track matched.
struct PreparedMask: Sendable {
    var rle: RLE
    var box: BoundingBox
    var area: Int

    init(rle: RLE, box: BoundingBox) {
        self.rle = rle
        self.box = box
        area = rle.area
    }

    /// The mask moved by (dx, dy) rounded to whole pixels (what leaves the frame is cut off),
    /// its box by (dx, dy) exactly.
    func moved(dx: Double, dy: Double) -> PreparedMask {
        var m = self
        let (ix, iy) = (Int(dx.rounded()), Int(dy.rounded()))
        if ix != 0 || iy != 0 {
            m.rle = rle.translated(dx: ix, dy: iy)
            m.area = m.rle.area
        }
        m.box = BoundingBox(x: box.x + dx, y: box.y + dy, width: box.width, height: box.height)
        return m
    }

    /// Mask IoU (0 for different mask sizes).
    func iou(_ other: PreparedMask) -> Double {
        guard rle.height == other.rle.height, rle.width == other.rle.width else { return 0 }
        let inter = rle.intersectionArea(other.rle)
        let union = area + other.area - inter
        return union > 0 ? Double(inter) / Double(union) : 0
    }
}

/// A detection with its derived quantities computed once per frame.
struct PreparedDetection: Sendable {
    var mask: PreparedMask
    var classId: Int
    var score: Float
    /// Unit-length embedding, or empty when missing or degenerate.
    var embedding: [Float]

    init(_ d: Detection) {
        mask = PreparedMask(rle: d.rle, box: d.box.isFinite ? d.box : d.rle.boundingBox)
        classId = d.classId
        score = d.score.isFinite ? d.score : 0
        embedding = PreparedDetection.normalized(d.embedding)
    }

    static func normalized(_ v: [Float]) -> [Float] {
        var sum: Float = 0
        for x in v { sum += x * x }
        guard sum.isFinite, sum > 0 else { return [] }
        let inv = 1 / sum.squareRoot()
        return v.map { $0 * inv }
    }
}

/// The tracker's memory of one object.
struct Track: Sendable {
    let id: Int
    var life: TrackLifecycle
    /// The mask of the last matched detection.
    var mask: PreparedMask
    /// Per-frame velocity of the box centre (constant-velocity model), by which the mask and box
    /// are moved forward.
    var velocityX = 0.0
    var velocityY = 0.0
    var embedding: [Float]
    /// The best score of the detections matched so far.
    var bestScore: Float
    /// Score-weighted, decaying class votes.
    var classVotes: [(classId: Int, weight: Double)]

    init(id: Int, detection d: PreparedDetection, config: TrackerConfig) {
        self.id = id
        let sure = Double(d.score) >= config.confirmScoreThreshold
        life = TrackLifecycle(confirmHits: sure ? 1 : config.confirmHits, maxLostFrames: config.maxLostFrames)
        mask = d.mask
        embedding = d.embedding
        bestScore = d.score
        classVotes = [(d.classId, Double(max(d.score, 1e-3)))]
    }

    /// The share of the track's class votes that agree with `classId`.
    func classAgreement(_ classId: Int) -> Double {
        var total = 0.0
        var agree = 0.0
        for v in classVotes {
            total += v.weight
            if v.classId == classId { agree += v.weight }
        }
        return total > 0 ? agree / total : 0
    }

    /// Takes over a matched detection: mask, box, velocity, embedding, class vote.
    mutating func absorb(_ d: PreparedDetection, highScore: Bool, config: TrackerConfig) {
        let gap = Double(max(1, life.framesSinceSeen + 1))
        let dx = (d.mask.box.x + d.mask.box.width / 2 - mask.box.x - mask.box.width / 2) / gap
        let dy = (d.mask.box.y + d.mask.box.height / 2 - mask.box.y - mask.box.height / 2) / gap
        // Smoothed from the first estimate on (which is halved: one displacement says little);
        // after a gap the displacement over the gap restarts it.
        if life.hitStreak > 0 || life.state == .tentative {
            velocityX = 0.5 * velocityX + 0.5 * dx
            velocityY = 0.5 * velocityY + 0.5 * dy
        } else {
            (velocityX, velocityY) = (dx, dy)
        }
        life.hit()
        mask = d.mask
        bestScore = max(bestScore, d.score)
        if highScore, !d.embedding.isEmpty {
            if embedding.count == d.embedding.count {
                let m = Float(config.embeddingMomentum)
                var mixed = [Float](repeating: 0, count: embedding.count)
                for i in 0..<mixed.count { mixed[i] = m * embedding[i] + (1 - m) * d.embedding[i] }
                let unit = PreparedDetection.normalized(mixed)
                embedding = unit.isEmpty ? d.embedding : unit
            } else {
                embedding = d.embedding
            }
        }
        for i in classVotes.indices { classVotes[i].weight *= 0.9 }
        let w = Double(max(d.score, 1e-3))
        if let i = classVotes.firstIndex(where: { $0.classId == d.classId }) {
            classVotes[i].weight += w
        } else {
            classVotes.append((d.classId, w))
        }
    }
}

extension BoundingBox {
    /// Whether all four values are finite.
    var isFinite: Bool { x.isFinite && y.isFinite && width.isFinite && height.isFinite }

    /// Whether the boxes share any area.
    func intersects(_ o: BoundingBox) -> Bool {
        x < o.x + o.width && o.x < x + width && y < o.y + o.height && o.y < y + height
    }
}
