import Foundation
import Testing
import MaskstreamTestSupport
@testable import MaskstreamMedia

@Suite struct ReconnectStateMachineTests {
    @Test func backsOffExponentiallyThenGivesUp() {
        var m = ReconnectStateMachine(policy: ReconnectPolicy(initialDelay: 0.5, maxDelay: 2, multiplier: 2, maxAttempts: 4))
        #expect(m.start() == .connect)
        #expect(m.failed(jitterUnit: 0.5) == .wait(seconds: 0.5))
        #expect(m.start() == .connect)
        #expect(m.failed(jitterUnit: 0.5) == .wait(seconds: 1))
        #expect(m.start() == .connect)
        #expect(m.failed(jitterUnit: 0.5) == .wait(seconds: 2))
        #expect(m.start() == .connect)
        #expect(m.failed(jitterUnit: 0.5) == .giveUp(attempts: 4))
        #expect(m.state == .failed(attempts: 4))
    }

    /// A camera down for hours is retried for hours: the default policy never gives up, and
    /// its waits stay under the ceiling (plus jitter).
    @Test func defaultPolicyNeverGivesUpAndCapsTheDelay() {
        var m = ReconnectStateMachine()
        #expect(m.policy.maxAttempts == nil)
        var waits: [Double] = []
        #expect(m.start() == .connect)
        for i in 0..<5000 {
            guard case .wait(let s) = m.failed(jitterUnit: Double(i % 11) / 10) else {
                Issue.record("gave up after \(i + 1) attempts")
                return
            }
            waits.append(s)
            #expect(m.start() == .connect)
        }
        #expect(waits.max()! <= 8 * 1.2 + 1e-9)
        #expect(waits.suffix(100).min()! >= 8 * 0.8 - 1e-9, "late retries wait about the ceiling, not less")
        #expect(m.state == .connecting(attempt: 5001))
    }

    @Test(arguments: [(0.0, 0.8), (0.5, 1.0), (1.0, 1.2)])
    func jitterScalesTheDelay(unit: Double, factor: Double) {
        let policy = ReconnectPolicy(initialDelay: 1, maxDelay: 4, multiplier: 2, jitter: 0.2)
        #expect(abs(policy.delay(afterFailedAttempts: 3, unit: unit) - 4 * factor) < 1e-9)
        #expect(policy.delay(afterFailedAttempts: 0, unit: unit) == 0, "a dead stream is retried at once")
    }

    @Test func streamDeathReconnectsAtOnceAndCounts() {
        var m = ReconnectStateMachine()
        _ = m.start(); m.connected()
        #expect(m.reconnects == 0)
        #expect(m.failed(jitterUnit: 0.9) == .wait(seconds: 0))
        #expect(m.start() == .connect)
        m.connected()
        #expect(m.reconnects == 1)
        #expect(m.state == .streaming)
    }
}

/// Two connections whose timestamps both start at 0 (as a restarted camera's do), with B-frame
/// style DTS behind PTS: the rebased timeline is one increasing sequence for frames and packets.
@Suite struct TimestampRebaseTests {
    func segment(frames: Int, start: Int64 = 0) -> [VideoFrame] {
        (0..<frames).map { i in
            let pts = start + Int64(i) * 3000
            let packet = EncodedPacket(data: [0], pts: pts, dts: pts - 6000, duration: 3000, isKeyframe: i == 0)
            return VideoFrame(sourceId: 0, index: i, timestamp: Timestamp(pts: pts, timeBase: Rational(1, 90000)),
                              width: 2, height: 2, rgb: [], packets: [packet])
        }
    }

    @Test(arguments: [0, 123_456, -9000])
    func secondSegmentContinuesTheTimeline(secondStart: Int64) {
        var rebase = TimestampRebase()
        var out: [VideoFrame] = []
        for seg in [segment(frames: 5), segment(frames: 5, start: secondStart)] {
            rebase.startSegment()
            for var f in seg {
                rebase.apply(to: &f)
                out.append(f)
            }
        }
        let pts = out.map(\.timestamp.pts)
        let dts = out.flatMap { $0.packets.compactMap(\.dts) }
        #expect(zip(pts, pts.dropFirst()).allSatisfy { $0 < $1 }, "\(pts)")
        #expect(zip(dts, dts.dropFirst()).allSatisfy { $0 < $1 }, "\(dts)")
        #expect(pts[5] - pts[4] >= 3000, "the gap is at least one frame step")
        #expect(out.map(\.discontinuity) == Array(repeating: false, count: 5) + [true] + Array(repeating: false, count: 4))
        #expect(Array(pts.prefix(5)) == [0, 3000, 6000, 9000, 12000], "the first connection keeps its own timestamps")
        for f in out { #expect(f.packets[0].pts! - f.packets[0].dts! == 6000, "packets keep their PTS-DTS delay") }
    }
}

/// Against a real RTSP server (GStreamer) on loopback.
@Suite(.serialized) struct RTSPTests {
    @Test func framesArriveOverTCP() throws {
        let server = RTSPTestServer()
        try server.start()
        defer { server.stop() }
        let reader = try MediaReader(url: server.url, options: OpenOptions(openTimeout: 10, readTimeout: 5))
        #expect(reader.info.isLive)
        #expect(reader.info.codec == "h264")
        var frames: [VideoFrame] = []
        while frames.count < 10, let f = try reader.nextFrame() { frames.append(f) }
        #expect(frames.count == 10)
        #expect(frames[0].width == 160 && frames[0].height == 96)
        #expect(zip(frames, frames.dropFirst()).allSatisfy { $0.timestamp.pts < $1.timestamp.pts })
    }

    @Test func serverDeathIsDetectedAsStall() throws {
        let server = RTSPTestServer()
        try server.start()
        let reader = try MediaReader(url: server.url, options: OpenOptions(openTimeout: 10, readTimeout: 2))
        _ = try reader.nextFrame()
        server.stop()
        let start = Date()
        let error = #expect(throws: MaskstreamError.self) { while try reader.nextFrame() != nil {} }
        #expect([.timeout, .network, .ffmpeg].contains(error?.code))
        #expect(Date().timeIntervalSince(start) < 10)
    }

    @Test func reconnectsWhenTheServerRestartsAndContinues() throws {
        let port = TestMedia.freePort()
        let server = RTSPTestServer(port: port)
        try server.start()
        let source = LiveSource(url: server.url, options: OpenOptions(openTimeout: 5, readTimeout: 1.5),
                                policy: ReconnectPolicy(initialDelay: 0.3, maxDelay: 1, maxAttempts: 30), bufferCapacity: 64)
        #expect(source.codecParameters == nil)
        try source.start()
        defer { source.stop() }
        #expect(source.codecParameters != nil, "the first connection's codec parameters are kept for muxing")
        var before: [VideoFrame] = []
        while before.count < 5, let f = try source.nextFrame() { before.append(f) }
        server.stop()
        Thread.sleep(forTimeInterval: 1.0)
        let restarted = RTSPTestServer(port: port)
        try restarted.start()
        defer { restarted.stop() }
        var after: [VideoFrame] = []
        let deadline = Date().addingTimeInterval(20)
        while source.reconnects == 0 || after.count < 10, Date() < deadline, let f = try source.nextFrame() { after.append(f) }
        #expect(source.reconnects >= 1)
        let all = before + after
        #expect(all.map(\.index) == Array(0..<all.count), "indices continue across the reconnect")
        #expect(zip(all, all.dropFirst()).allSatisfy { $0.timestamp.pts < $1.timestamp.pts }, "timestamps keep increasing")
    }

    @Test func liveSourceGivesUpOnUnreachableServer() throws {
        let source = LiveSource(url: "rtsp://127.0.0.1:\(TestMedia.freePort())/x", options: OpenOptions(openTimeout: 1, readTimeout: 1),
                                policy: ReconnectPolicy(initialDelay: 0.1, maxDelay: 0.2, maxAttempts: 3))
        let start = Date()
        #expect(throws: MaskstreamError.self) { try source.start() }
        #expect(Date().timeIntervalSince(start) < 10)
    }
}
