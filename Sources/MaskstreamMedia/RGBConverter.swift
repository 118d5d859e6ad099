import CFFmpeg

/// Converts decoded frames of any pixel format and size to packed RGB8 (`width * 3` bytes a
/// row), keeping one cached swscale context.
final class RGBConverter {
    private var sws: OpaquePointer?

    deinit { sws_freeContext(sws) }

    /// The frame's pixels as packed RGB8; `what` names the source in errors.
    func rgb(of frame: UnsafeMutablePointer<AVFrame>, _ what: String) throws -> [UInt8] {
        let f = frame.pointee
        let width = Int(f.width), height = Int(f.height)
        sws = sws_getCachedContext(sws, f.width, f.height, AVPixelFormat(rawValue: f.format),
                                   f.width, f.height, AV_PIX_FMT_RGB24, SWS_BILINEAR, nil, nil, nil)
        guard let sws else {
            throw MaskstreamError(.ffmpeg, "\(what): sws_getCachedContext failed for \(width)x\(height) "
                + "pixel format \(f.format)")
        }
        // swscale writes whole aligned rows (and may write past the last): convert into a
        // padded buffer, then pack the rows.
        let stride = (width * 3 + 63) & ~63
        var padded = [UInt8](repeating: 0, count: stride * (height + 1))
        try padded.withUnsafeMutableBufferPointer { dst in
            var planes: [UnsafeMutablePointer<UInt8>?] = [dst.baseAddress, nil, nil, nil]
            var strides: [Int32] = [Int32(stride), 0, 0, 0]
            let data = withUnsafePointer(to: f.data) {
                $0.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) {
                    Array(UnsafeBufferPointer(start: $0, count: 8))
                }
            }
            let lines = withUnsafePointer(to: f.linesize) {
                $0.withMemoryRebound(to: Int32.self, capacity: 8) { Array(UnsafeBufferPointer(start: $0, count: 8)) }
            }
            try FFmpeg.check(sws_scale(sws, data, lines, 0, f.height, &planes, &strides), "sws_scale", what)
        }
        var rgb = [UInt8](repeating: 0, count: width * 3 * height)
        let row = width * 3
        for y in 0..<height {
            rgb.replaceSubrange(y * row ..< (y + 1) * row, with: padded[y * stride ..< y * stride + row])
        }
        return rgb
    }
}
