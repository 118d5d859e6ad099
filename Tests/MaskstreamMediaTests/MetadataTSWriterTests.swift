import Foundation
import Testing
import MaskstreamTestSupport
@testable import MaskstreamMedia

@Suite struct MetadataTSWriterTests {
    @Test(arguments: ["h264.mp4", "hevc.mkv"])
    func roundTripsOneRecordPerFrameAtTheFramePTS(_ name: String) throws {
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let codec = name.hasPrefix("hevc") ? "libx265" : "libx264"
        let extra = codec == "libx265" ? ["-x265-params", "log-level=error"] : ["-bf", "2"]
        let clip = try TestMedia.makeClip(in: dir, name: name, codec: codec, frames: 40, extra: extra)
        let reader = try MediaReader(url: clip.path())
        let out = dir.appending(path: "out.ts")
        let writer = try MetadataTSWriter(path: out.path(), video: reader.codecParameters, timeBase: reader.info.timeBase)
        var ptsSeconds: [Double] = []
        var payloads: [String] = []
        while let frame = try reader.nextFrame() {
            for p in frame.packets { try writer.writeVideo(p) }
            let json = "{\"frame\":\(frame.index),\"pts\":\(frame.timestamp.pts),\"pad\":\"\(String(repeating: "x", count: frame.index * 7))\"}"
            try writer.writeMetadata(pts: frame.timestamp.pts, value: Array(json.utf8))
            ptsSeconds.append(frame.timestamp.seconds)
            payloads.append(json)
        }
        try writer.finish()
        #expect(writer.recordCount == 40)

        let records = try MetadataTrackReader.read(path: out.path())
        #expect(records.count == 40)
        let sorted = records.sorted { $0.timestamp.pts < $1.timestamp.pts }
        #expect(sorted.map { String(decoding: $0.value, as: UTF8.self) } == payloads)
        #expect(sorted.allSatisfy { $0.key == KLV.frameRecordKey })
        // MPEG-TS runs a 90 kHz clock; the PTS of each record is the frame's, offset by the muxer's constant start delay.
        let offset = sorted[0].timestamp.seconds - ptsSeconds[0]
        for (r, s) in zip(sorted, ptsSeconds) { #expect(abs(r.timestamp.seconds - offset - s) < 1.0 / 90000 + 1e-9) }

        // The video is copied unchanged: ffprobe counts 40 frames, and reads the data stream too.
        let v = try TestMedia.run("ffprobe", ["-v", "error", "-count_packets", "-show_entries", "stream=codec_type,codec_name,nb_read_packets", "-of", "csv=p=0", out.path()])
        #expect(v.status == 0)
        let lines = v.stdout.split(whereSeparator: \.isNewline).map(String.init)
        #expect(lines.contains { $0.hasPrefix(codec == "libx265" ? "hevc,video,40" : "h264,video,40") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("klv,data,40") }, "\(lines)")
    }

    @Test func klvRoundTripsLongAndShortValues() throws {
        for n in [0, 1, 127, 128, 255, 256, 70_000] {
            let value = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let decoded = try KLV.decode(KLV.encode(value: value))
            #expect(decoded.count == 1)
            #expect(decoded[0].value == value)
        }
    }

    @Test func klvRejectsTruncation() {
        let bytes = KLV.encode(value: Array(repeating: 7, count: 300))
        for cut in [1, 16, 17, 18, 100, bytes.count - 1] {
            #expect(throws: MaskstreamError.self) { try KLV.decode(Array(bytes.prefix(cut))) }
        }
    }
}
