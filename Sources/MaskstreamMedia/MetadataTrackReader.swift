import CFFmpeg

/// One frame record read back from a metadata track.
public struct MetadataRecord: Sendable {
    public var timestamp: Timestamp
    public var key: [UInt8]
    public var value: [UInt8]
}

/// Reads the KLV data stream written by `MetadataTSWriter` back from a container.
public enum MetadataTrackReader {
    /// Every KLV record of the first data stream, in file order.
    public static func read(path: String) throws -> [MetadataRecord] {
        _ = FFmpeg.quietOnce
        var ctx: UnsafeMutablePointer<AVFormatContext>?
        let open = avformat_open_input(&ctx, path, nil, nil)
        if open < 0 {
            throw MaskstreamError(open == -2 ? .notFound : .invalidInput,
                                  "could not open '\(path)': \(FFmpeg.describe(open)) (\(open))")
        }
        defer { avformat_close_input(&ctx) }
        try FFmpeg.check(avformat_find_stream_info(ctx, nil), "avformat_find_stream_info", path, errorCode: .invalidInput)
        guard let format = ctx else { return [] }
        var dataIndex: Int32 = -1
        for i in 0..<Int(format.pointee.nb_streams) {
            if format.pointee.streams[i]!.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_DATA {
                dataIndex = Int32(i); break
            }
        }
        guard dataIndex >= 0 else {
            throw MaskstreamError(.notFound, "'\(path)' has no data stream: it was not written by maskstream's MPEG-TS sink")
        }
        let tb = Rational(format.pointee.streams[Int(dataIndex)]!.pointee.time_base)
        var packet = av_packet_alloc()
        defer { av_packet_free(&packet) }
        guard let packet else { throw MaskstreamError(.ffmpeg, "av_packet_alloc failed") }
        var records: [MetadataRecord] = []
        while true {
            let r = av_read_frame(format, packet)
            if r == FFmpeg.eof { break }
            try FFmpeg.check(r, "av_read_frame", path, errorCode: .invalidInput)
            defer { av_packet_unref(packet) }
            guard packet.pointee.stream_index == dataIndex, let data = packet.pointee.data else { continue }
            let bytes = Array(UnsafeBufferPointer(start: data, count: Int(packet.pointee.size)))
            let pts = packet.pointee.pts == FFmpeg.noPTS ? packet.pointee.dts : packet.pointee.pts
            for triple in try KLV.decode(bytes) {
                records.append(MetadataRecord(timestamp: Timestamp(pts: pts, timeBase: tb), key: triple.key, value: triple.value))
            }
        }
        return records
    }
}
