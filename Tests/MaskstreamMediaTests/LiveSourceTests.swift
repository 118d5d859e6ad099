import Foundation
import Testing
import MaskstreamTestSupport
@testable import MaskstreamMedia

@Suite struct ReconnectStateMachineTests {
    @Test func backsOffExponentiallyThenGivesUp() {
        var m = ReconnectStateMachine(policy: ReconnectPolicy(initialDelay: 0.5, maxDelay: 2, multiplier: 2, maxAttempts: 4))
        #expect(m.start() == .connect)
        #expect(m.failed() == .wait(seconds: 0.5))
        #expect(m.start() == .connect)
        #expect(m.failed() == .wait(seconds: 1))
        #expect(m.start() == .connect)
        #expect(m.failed() == .wait(seconds: 2))
        #expect(m.start() == .connect)
        #expect(m.failed() == .giveUp(attempts: 4))
        #expect(m.state == .failed(attempts: 4))
    }

    @Test func streamDeathReconnectsAtOnceAndCounts() {
        var m = ReconnectStateMachine()
        _ = m.start(); m.connected()
        #expect(m.reconnects == 0)
        #expect(m.failed() == .wait(seconds: 0))
        #expect(m.start() == .connect)
        m.connected()
        #expect(m.reconnects == 1)
        #expect(m.state == .streaming)
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
