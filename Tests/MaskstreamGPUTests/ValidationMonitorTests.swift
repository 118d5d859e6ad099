import CVulkan
import Testing
@testable import MaskstreamGPU

@Suite struct ValidationMonitorTests {
    /// The zero-error assertions of the other tests mean something only if errors are counted:
    /// provoke a real validation error (a zero-sized buffer) on a private device.
    @Test func countsARealValidationError() throws {
        let device = try VulkanDevice(validation: .required)
        let monitor = try #require(device.validation)
        #expect(monitor.errorCount == 0)
        var info = VkBufferCreateInfo()
        info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO
        info.size = 0 // VUID-VkBufferCreateInfo-size-00912
        info.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT.rawValue
        info.sharingMode = VK_SHARING_MODE_EXCLUSIVE
        var buffer: VkBuffer?
        _ = vkCreateBuffer(device.device, &info, nil, &buffer)
        if let buffer { vkDestroyBuffer(device.device, buffer, nil) }
        #expect(monitor.errorCount >= 1)
        #expect(monitor.recentErrors.contains { $0.contains("size") })
    }
}
