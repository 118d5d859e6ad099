/// A compute shader of `Shaders/` and how many storage buffers it binds.
///
/// Every kernel follows one convention: its push constants start with one `uint`
/// element offset per binding (so a binding can start at any float inside an aligned
/// descriptor range), followed by its own parameters; 128 bytes at most.
struct Kernel: Hashable, Sendable {
    /// The shader file name without extension (`Shaders/<name>.comp` → `<name>.spv`).
    var name: String
    /// Number of storage-buffer bindings, 0 ..< bindings.
    var bindings: Int

    static let fill = Kernel(name: "fill", bindings: 1)
    static let linearRegisterBlocked = Kernel(name: "linear_rb", bindings: 6)
    static let linearSharedTiled = Kernel(name: "linear_tiled", bindings: 6)
    static let layerNorm = Kernel(name: "layernorm", bindings: 4)
    static let attention = Kernel(name: "attention", bindings: 4)
    static let elementwise = Kernel(name: "elementwise", bindings: 3)
    static let swiglu = Kernel(name: "swiglu", bindings: 2)
    static let transpose = Kernel(name: "transpose", bindings: 2)
    static let copyRows = Kernel(name: "copy_rows", bindings: 2)
    static let convTranspose2x2 = Kernel(name: "conv_transpose2x2", bindings: 4)
    static let depthwiseConv3x3 = Kernel(name: "depthwise_conv3x3", bindings: 4)
    static let layerNorm2d = Kernel(name: "layernorm2d", bindings: 4)
    static let resampleRows = Kernel(name: "resample_rows", bindings: 3)
    static let resampleColumnsToPatches = Kernel(name: "resample_cols_patches", bindings: 4)
    static let maskCrop = Kernel(name: "mask_crop", bindings: 3)
    static let maskBinarize = Kernel(name: "mask_binarize", bindings: 4)

    /// Size of the push-constant block every kernel's pipeline layout declares.
    static let pushConstantBytes = 128
}
