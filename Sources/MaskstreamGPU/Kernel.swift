import Foundation

/// A compute shader and how many storage buffers it binds.
///
/// Every kernel follows one convention: its push constants start with one `uint`
/// element offset per binding (so a binding can start at any float inside an aligned
/// descriptor range), followed by its own parameters; 128 bytes at most.
///
/// The generic kernels live in this module (`Shaders/MaskstreamGPU`). Another module
/// adds its own by compiling `Shaders/<its name>/*.comp` with the `ShaderCompiler` plugin
/// and naming the bundle that holds the SPIR-V:
///
/// ```swift
/// extension Kernel {
///     static let maskCrop = Kernel(name: "mask_crop", bindings: 3, bundle: .module)
/// }
/// try seq.dispatch(.maskCrop, [(logits, .read), (taps, .read), (crop, .write)], params: [...], groups: (n, 1, 1))
/// ```
public struct Kernel: Hashable, Sendable {
    /// The shader file name without extension (`<name>.comp` → `<name>.spv`).
    public var name: String
    /// Number of storage-buffer bindings, 0 ..< bindings.
    public var bindings: Int
    /// The bundle holding `<name>.spv`.
    var bundleURL: URL
    /// Values of the shader's specialization constants, `constant_id` 0, 1, … in order
    /// (tile sizes and trip counts the compiler can unroll); empty keeps the shader's defaults.
    public var constants: [UInt32]
    /// Bindings read as uniform texel buffers of RGBA32F texels (`samplerBuffer`, 4 floats per
    /// `texelFetch`) instead of storage buffers; their push-constant offsets count texels.
    /// lavapipe fetches texels for all 8 lanes without branches, where it loads storage buffers
    /// one lane at a time.
    public var texelBindings: [Int]
    /// Storage-buffer bindings declared `float16_t` (they must be given `.float16` buffers, every
    /// other storage binding `.float32` ones; texel bindings take either). Their push-constant
    /// offsets count halves.
    public var halfBindings: [Int]
    /// Texel bindings whose fp16 elements are read 8 per RGBA32UI texel (`usamplerBuffer`, two
    /// halves per word); their push-constant offsets count those texels.
    public var packedHalfBindings: [Int]

    /// A kernel whose SPIR-V `<name>.spv` is a resource of `bundle`.
    public init(name: String, bindings: Int, bundle: Bundle, constants: [UInt32] = [], texelBindings: [Int] = [],
                halfBindings: [Int] = [], packedHalfBindings: [Int] = []) {
        self.name = name
        self.bindings = bindings
        self.bundleURL = bundle.bundleURL
        self.constants = constants
        self.texelBindings = texelBindings
        self.halfBindings = halfBindings
        self.packedHalfBindings = packedHalfBindings
    }

    /// The same shader with these specialization constants (one pipeline per distinct set).
    public func specialized(_ constants: [UInt32]) -> Kernel {
        var copy = self
        copy.constants = constants
        return copy
    }

    /// The compiled SPIR-V of the kernel.
    func spirv() throws -> Data {
        guard let url = Bundle(url: bundleURL)?.url(forResource: name, withExtension: "spv"),
              let code = try? Data(contentsOf: url), code.count % 4 == 0, !code.isEmpty else {
            throw MaskstreamError(
                .notFound,
                "compiled shader '\(name).spv' is missing from \(bundleURL.lastPathComponent): "
                + "rebuild with glslc installed")
        }
        return code
    }

    static let fill = Kernel(name: "fill", bindings: 1, bundle: .module)
    static let linearRegisterBlocked = Kernel(name: "linear_rb", bindings: 6, bundle: .module)
    static let linearSharedTiled = Kernel(name: "linear_tiled", bindings: 6, bundle: .module)
    static let linearSharedTiledF16 = Kernel(name: "linear_tiled_f16", bindings: 6, bundle: .module, halfBindings: [1])
    static let linearLanes = Kernel(name: "linear_lanes", bindings: 6, bundle: .module)
    static let linearTexels = Kernel(name: "linear_texels", bindings: 6, bundle: .module, texelBindings: [0, 1])
    static let linearTexelsHalf8 = Kernel(name: "linear_texels_h8", bindings: 6, bundle: .module, texelBindings: [0, 1],
                                          packedHalfBindings: [1])
    static let layerNorm = Kernel(name: "layernorm", bindings: 4, bundle: .module)
    static let layerNormLanes = Kernel(name: "layernorm_lanes", bindings: 4, bundle: .module)
    static let softmaxLanes = Kernel(name: "softmax_lanes", bindings: 2, bundle: .module)
    static let attention = Kernel(name: "attention", bindings: 4, bundle: .module)
    static let attentionSplit = Kernel(name: "attention_split", bindings: 4, bundle: .module)
    static let softmaxRows = Kernel(name: "softmax_rows", bindings: 2, bundle: .module)
    static let softmaxBlockFactors = Kernel(name: "softmax_block_factors", bindings: 2, bundle: .module)
    static let elementwise = Kernel(name: "elementwise", bindings: 3, bundle: .module)
    static let swiglu = Kernel(name: "swiglu", bindings: 2, bundle: .module)
    static let transpose = Kernel(name: "transpose", bindings: 2, bundle: .module)
    static let copyRows = Kernel(name: "copy_rows", bindings: 2, bundle: .module)
    static let convTranspose2x2 = Kernel(name: "conv_transpose2x2", bindings: 4, bundle: .module)
    static let depthwiseConv3x3 = Kernel(name: "depthwise_conv3x3", bindings: 4, bundle: .module)
    static let depthwiseConv3x3Texels = Kernel(name: "depthwise_conv3x3_texels", bindings: 4, bundle: .module,
                                               texelBindings: [0, 1])
    static let layerNorm2d = Kernel(name: "layernorm2d", bindings: 4, bundle: .module)

    /// Size of the push-constant block every kernel's pipeline layout declares.
    public static let pushConstantBytes = 128
}
