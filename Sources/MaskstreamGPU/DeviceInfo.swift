import Foundation
import CVulkan

/// The kind of a Vulkan physical device, in the order maskstream prefers them.
public enum DeviceKind: String, Sendable, CustomStringConvertible, CaseIterable {
    case discreteGPU = "discrete"
    case integratedGPU = "integrated"
    case virtualGPU = "virtual"
    case cpu = "cpu"
    case other = "other"

    init(_ type: VkPhysicalDeviceType) {
        switch type {
        case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: self = .discreteGPU
        case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: self = .integratedGPU
        case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: self = .virtualGPU
        case VK_PHYSICAL_DEVICE_TYPE_CPU: self = .cpu
        default: self = .other
        }
    }

    /// Lower is better: discrete > integrated > virtual > CPU > other.
    var preferenceRank: Int {
        switch self {
        case .discreteGPU: 0
        case .integratedGPU: 1
        case .virtualGPU: 2
        case .cpu: 3
        case .other: 4
        }
    }

    public var description: String { rawValue }
}

/// What maskstream knows about one Vulkan physical device (shown by `maskstream devices`).
public struct DeviceInfo: Sendable, Equatable, CustomStringConvertible {
    /// Index in the driver's enumeration order (what `--device <index>` selects).
    public var index: Int
    /// Driver-reported name, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)".
    public var name: String
    public var kind: DeviceKind
    /// Vulkan API version the device supports, e.g. "1.3.230".
    public var apiVersion: String
    /// Size of the largest device-local memory heap in bytes.
    public var memoryBytes: UInt64
    /// Whether the device supports 16-bit floats in shaders and storage buffers.
    public var supportsFP16: Bool
    /// Subgroup (warp/wave) size: 8 on lavapipe, 32 on NVIDIA, 64 on many AMD GPUs.
    public var subgroupSize: Int
    /// Largest range one storage-buffer binding may cover, in bytes.
    public var maxStorageBufferRange: UInt64
    /// Shared (workgroup) memory per workgroup, in bytes.
    public var maxSharedMemoryBytes: Int
    /// Whether shaders can read buffers through device addresses (`bufferDeviceAddress`, Vulkan
    /// 1.2): the `lanes` linear kernel needs it.
    public var supportsBufferDeviceAddress: Bool = false
    /// Whether shaders can load 16-bit floats from storage buffers (`storageBuffer16BitAccess`):
    /// the shared-memory linear kernel reads fp16 weights that way.
    public var supportsFP16Storage: Bool = false
    /// Whether RGBA16F uniform texel buffers exist (`VK_FORMAT_R16G16B16A16_SFLOAT` with
    /// `UNIFORM_TEXEL_BUFFER`): the `texels` linear kernel reads fp16 weights that way.
    public var supportsFP16Texels: Bool = false
    /// The driver and its version (`VkPhysicalDeviceDriverProperties`), e.g.
    /// "llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6)"; empty before Vulkan 1.2.
    public var driver: String = ""

    public var description: String {
        let mib = memoryBytes / (1 << 20)
        return "[\(index)] \(name) (\(kind), Vulkan \(apiVersion), \(mib) MiB, fp16: \(supportsFP16 ? "yes" : "no"), subgroup \(subgroupSize))"
    }
}

/// How to pick the device: the best available one, or one named by index or name substring.
public enum DeviceSelection: Sendable, Equatable {
    /// Discrete GPU first, then integrated, virtual, then CPU (lavapipe).
    case automatic
    /// The device at this index of `VulkanDevice.available()`.
    case index(Int)
    /// The first device whose name contains this substring (case-insensitive).
    case name(String)

    /// Parses a user flag: an integer selects by index, anything else by name substring,
    /// an empty string or "auto" selects automatically.
    public init(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed.lowercased() == "auto" {
            self = .automatic
        } else if let value = Int(trimmed) {
            self = .index(value)
        } else {
            self = .name(trimmed)
        }
    }
}
