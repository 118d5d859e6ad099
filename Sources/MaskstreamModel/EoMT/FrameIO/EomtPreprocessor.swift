/// The model input for one frame: transformers' `EomtImageProcessor` on CPU (resize with
/// Pillow's antialiased bilinear, zero-pad right/bottom, then rescale and normalize — padding
/// happens before normalization, so padded pixels hold `-mean/std`).
///
/// The device frame path (`EomtGraph.submit(lane:…)`) computes the same values bit for bit.
public struct EomtPreprocessor: Sendable {
    /// The processor settings.
    public var config: EomtImageProcessorConfig
    /// The model's square input side.
    public var imageSize: Int

    /// Checks a frame's buffer and returns its resized (unpadded) size.
    public func validate(rgbCount: Int, width: Int, height: Int) throws -> (height: Int, width: Int) {
        guard width > 0, height > 0, width <= 1 << 15, height <= 1 << 15 else {
            throw MaskstreamError(
                .invalidInput,
                "frame size \(width)x\(height) is not valid: width and height must be between 1 and 32768")
        }
        guard rgbCount == width * height * 3 else {
            throw MaskstreamError(
                .invalidInput,
                "frame buffer holds \(rgbCount) bytes but \(width)x\(height) RGB8 needs \(width * height * 3): pass "
                    + "packed RGB rows without stride padding"
            )
        }
        let resized = config.resizedSize(height: height, width: width)
        guard resized.height > 0, resized.width > 0 else {
            throw MaskstreamError(
                .invalidInput,
                "frame \(width)x\(height) is too thin to resize to the model input: use a frame at least a few "
                    + "pixels on each side"
            )
        }
        if config.doPad {
            guard resized.height <= imageSize, resized.width <= imageSize else {
                throw MaskstreamError(
                    .invalidInput,
                    "frame \(width)x\(height) resizes to \(resized.width)x\(resized.height), larger than the model "
                        + "input \(imageSize): enable do_resize in preprocessor_config.json"
                )
            }
        } else {
            guard resized.height == imageSize, resized.width == imageSize else {
                throw MaskstreamError(
                    .invalidInput,
                    "frame \(width)x\(height) resizes to \(resized.width)x\(resized.height) but the model needs "
                        + "\(imageSize)x\(imageSize) and do_pad is false: set do_pad to true in "
                        + "preprocessor_config.json or pass square frames"
                )
            }
        }
        return resized
    }

    /// The model input value of every byte value, per channel: `[3, 256]` (rescale, then
    /// normalize). `pixelValues` and the device preprocessing both look values up here.
    public func lookupTable() -> [Float] {
        var lut = [Float](repeating: 0, count: 3 * 256)
        for c in 0..<3 {
            let mean = Float(config.imageMean[c]), std = Float(config.imageStd[c])
            for v in 0..<256 {
                var x = config.doRescale ? Float(Double(v) * config.rescaleFactor) : Float(v)
                if config.doNormalize { x = (x - mean) / std }
                lut[c * 256 + v] = x
            }
        }
        return lut
    }

    /// Channel-first float pixels `[3, imageSize, imageSize]` plus the resized frame size.
    ///
    /// - Complexity: O(width·height + imageSize²).
    public func pixelValues(
        rgb: [UInt8], width: Int, height: Int
    ) throws -> (pixels: [Float], resized: (height: Int, width: Int)) {
        let resized = try validate(rgbCount: rgb.count, width: width, height: height)
        let image = BilinearResampler.resizeRGB(
            rgb, width: width, height: height, toWidth: resized.width, toHeight: resized.height)
        let s = imageSize
        let lut = lookupTable()
        var pixels = [Float](repeating: 0, count: 3 * s * s)
        for c in 0..<3 {
            let pad = lut[c * 256]
            for y in 0..<s {
                for x in 0..<s {
                    pixels[(c * s + y) * s + x] = (y < resized.height && x < resized.width)
                        ? lut[c * 256 + Int(image[(y * resized.width + x) * 3 + c])] : pad
                }
            }
        }
        return (pixels, resized)
    }

    /// im2col of channel-first pixels `[3, imageSize, imageSize]`: one row of `3·p·p` values
    /// (channel, row, column) per patch, in patch order — the patch-embedding matmul's input.
    ///
    /// - Complexity: O(imageSize²).
    static func patchRows(_ pixels: [Float], config c: EomtConfig) throws -> [Float] {
        let s = c.imageSize, p = c.patchSize, g = c.gridSize
        guard pixels.count == 3 * s * s else {
            throw MaskstreamError(.invalidInput,
                                  "pixel values hold \(pixels.count) floats but the model needs 3x\(s)x\(s)")
        }
        var rows = [Float](repeating: 0, count: g * g * 3 * p * p)
        for py in 0..<g {
            for px in 0..<g {
                let row = (py * g + px) * 3 * p * p
                for ch in 0..<3 {
                    for ky in 0..<p {
                        let src = (ch * s + py * p + ky) * s + px * p
                        let dst = row + (ch * p + ky) * p
                        for kx in 0..<p { rows[dst + kx] = pixels[src + kx] }
                    }
                }
            }
        }
        return rows
    }
}
