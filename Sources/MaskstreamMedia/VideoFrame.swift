/// One compressed video packet as read from the source, kept so outputs can copy the
/// original video (no re-encode) next to the metadata track.
public struct EncodedPacket: Sendable {
    public var data: [UInt8]
    /// Presentation timestamp in the stream time base; nil when the source gave none.
    public var pts: Int64?
    /// Decoding timestamp in the stream time base; nil when the source gave none.
    public var dts: Int64?
    public var duration: Int64
    public var isKeyframe: Bool
    /// The demuxer flagged the packet corrupt (e.g. cut off by the end of a truncated file).
    public var isCorrupt = false
}

/// One decoded video frame, converted to interleaved RGB8, with its provenance.
public struct VideoFrame: Sendable {
    /// The source this frame came from (index in the pipeline's source list).
    public var sourceId: Int
    /// 0-based index of this frame within its source, in presentation order.
    public var index: Int
    /// Presentation timestamp in the stream time base.
    public var timestamp: Timestamp
    public var width: Int
    public var height: Int
    /// Interleaved RGB, `width * 3` bytes a row, `height` rows.
    public var rgb: [UInt8]
    /// The compressed packets read since the previous frame was returned (decode order).
    public var packets: [EncodedPacket]
    /// The first frame after a live source reconnected: the timeline continues (timestamps are
    /// rebased) but frames were lost in between.
    public var discontinuity = false
    /// When the frame was decoded (`DispatchTime` uptime nanoseconds): for a live source, about
    /// when it arrived. The pipeline measures each record's age from it.
    public var decodedAt: UInt64 = 0
    /// The image file the frame was decoded from (its name within an image sequence); nil for video.
    public var file: String?

    public init(sourceId: Int, index: Int, timestamp: Timestamp, width: Int, height: Int,
                rgb: [UInt8], packets: [EncodedPacket] = [], file: String? = nil) {
        self.sourceId = sourceId
        self.index = index
        self.timestamp = timestamp
        self.width = width
        self.height = height
        self.rgb = rgb
        self.packets = packets
        self.file = file
    }
}
