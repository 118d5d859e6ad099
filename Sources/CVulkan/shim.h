#ifndef CVULKAN_SHIM_H
#define CVULKAN_SHIM_H
#include <vulkan/vulkan.h>

static inline uint32_t CVulkan_MAKE_API_VERSION(uint32_t variant, uint32_t major, uint32_t minor, uint32_t patch) {
    return VK_MAKE_API_VERSION(variant, major, minor, patch);
}
static inline uint32_t CVulkan_API_VERSION_MAJOR(uint32_t v) { return VK_API_VERSION_MAJOR(v); }
static inline uint32_t CVulkan_API_VERSION_MINOR(uint32_t v) { return VK_API_VERSION_MINOR(v); }
static inline uint32_t CVulkan_API_VERSION_PATCH(uint32_t v) { return VK_API_VERSION_PATCH(v); }
#endif
