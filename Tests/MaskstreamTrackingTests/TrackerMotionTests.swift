import Testing
@testable import MaskstreamTracking

/// Constant-velocity prediction of each track's mask centroid and box before the IoU cost.
@Suite struct TrackerMotionTests {
    /// An object moving 4 px a frame is hidden for `hidden` frames and comes back where its motion
    /// puts it, with no embedding: only the predicted mask can overlap it.
    @Test(arguments: [true, false])
    func aMovingObjectComesBackWhereItsMotionPutsIt(predict: Bool) {
        var config = TrackerConfig()
        config.predictMotion = predict
        var tracker = Tracker(config: config)
        var ids: [Int] = []
        for f in 0..<16 {
            guard f < 6 || f >= 10 else { _ = tracker.update([]); continue }
            let out = tracker.update([rectDetection(x: 4 + 4 * f, y: 20, w: 10, h: 10, width: 160)])
            ids += out.map(\.trackId)
        }
        #expect(ids.count == 12)
        if predict {
            #expect(Set(ids).count == 1, "the predicted mask overlaps it: same ID")
        } else {
            #expect(Set(ids).count == 2, "the last mask is 20 px behind: a new track")
        }
    }

    /// 12 px wide and 10 px a frame: consecutive masks barely overlap (IoU 0.09, under minIoU);
    /// the prediction keeps the match once the velocity is known.
    @Test func fastObjectsKeepMatchingOnThePredictedMask() {
        var tracker = Tracker()
        var ids: [Int] = []
        for f in 0..<10 {
            let x = f < 3 ? 10 + 5 * f : 20 + 10 * (f - 2)
            ids += tracker.update([rectDetection(x: x, y: 20, width: 160)]).map(\.trackId)
        }
        #expect(ids.count == 10 && Set(ids).count == 1)
    }

    @Test func thePredictedMaskAndBoxMoveByTheVelocity() {
        let a = PreparedMask(rle: rectRLE(x: 10, y: 10, w: 8, h: 6),
                             box: BoundingBox(x: 10, y: 10, width: 8, height: 6))
        let moved = a.moved(dx: 3.4, dy: -2.2)
        #expect(moved.rle == rectRLE(x: 13, y: 8, w: 8, h: 6))
        #expect(moved.area == a.area)
        let b = moved.box
        #expect(abs(b.x - 13.4) < 1e-9 && abs(b.y - 7.8) < 1e-9 && b.width == 8 && b.height == 6)
    }
}
