import CVulkan
import MaskstreamCore

/// Turns a Vulkan result code into a thrown `MaskstreamError` naming the failed call.
///
/// This is the one place where `VkResult` values become errors; every wrapper calls it.
@inline(__always)
func vkCheck(_ result: VkResult, _ call: @autoclosure () -> String) throws {
    guard result == VK_SUCCESS else {
        throw MaskstreamError(.vulkan, "\(call()) failed with \(vkResultName(result)): \(vkAdvice(result))")
    }
}

/// A readable name for a `VkResult`.
func vkResultName(_ result: VkResult) -> String {
    switch result {
    case VK_SUCCESS: return "VK_SUCCESS"
    case VK_NOT_READY: return "VK_NOT_READY"
    case VK_TIMEOUT: return "VK_TIMEOUT"
    case VK_ERROR_OUT_OF_HOST_MEMORY: return "VK_ERROR_OUT_OF_HOST_MEMORY"
    case VK_ERROR_OUT_OF_DEVICE_MEMORY: return "VK_ERROR_OUT_OF_DEVICE_MEMORY"
    case VK_ERROR_INITIALIZATION_FAILED: return "VK_ERROR_INITIALIZATION_FAILED"
    case VK_ERROR_DEVICE_LOST: return "VK_ERROR_DEVICE_LOST"
    case VK_ERROR_LAYER_NOT_PRESENT: return "VK_ERROR_LAYER_NOT_PRESENT"
    case VK_ERROR_EXTENSION_NOT_PRESENT: return "VK_ERROR_EXTENSION_NOT_PRESENT"
    case VK_ERROR_FEATURE_NOT_PRESENT: return "VK_ERROR_FEATURE_NOT_PRESENT"
    case VK_ERROR_INCOMPATIBLE_DRIVER: return "VK_ERROR_INCOMPATIBLE_DRIVER"
    case VK_ERROR_TOO_MANY_OBJECTS: return "VK_ERROR_TOO_MANY_OBJECTS"
    case VK_ERROR_OUT_OF_POOL_MEMORY: return "VK_ERROR_OUT_OF_POOL_MEMORY"
    default: return "VkResult(\(result.rawValue))"
    }
}

private func vkAdvice(_ result: VkResult) -> String {
    switch result {
    case VK_ERROR_INCOMPATIBLE_DRIVER, VK_ERROR_INITIALIZATION_FAILED:
        return "install a Vulkan 1.1 driver (on machines without a GPU: Mesa lavapipe, package mesa-vulkan-drivers)"
    case VK_ERROR_OUT_OF_DEVICE_MEMORY, VK_ERROR_OUT_OF_HOST_MEMORY:
        return "the model or frame size is too large for this device: use a smaller input size or another device"
    case VK_ERROR_DEVICE_LOST:
        return "the GPU driver reset the device: restart the process; if it repeats, update the driver"
    case VK_ERROR_LAYER_NOT_PRESENT:
        return "install the Khronos validation layer (package vulkan-validationlayers) or run without validation"
    default:
        return "check the Vulkan driver installation (run `vulkaninfo --summary`)"
    }
}
