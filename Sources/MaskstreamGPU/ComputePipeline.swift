import CVulkan
import Foundation
import MaskstreamCore

/// A compiled compute pipeline with its descriptor-set and pipeline layouts.
final class ComputePipeline: @unchecked Sendable {
    let kernel: Kernel
    let setLayout: VkDescriptorSetLayout
    let layout: VkPipelineLayout
    let pipeline: VkPipeline

    init(device: VulkanDevice, kernel: Kernel) throws {
        self.kernel = kernel
        let vk = device.device
        let code = try kernel.spirv()
        var module: VkShaderModule?
        try code.withUnsafeBytes { raw in
            var info = VkShaderModuleCreateInfo()
            info.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO
            info.codeSize = raw.count
            info.pCode = raw.baseAddress?.assumingMemoryBound(to: UInt32.self)
            try vkCheck(vkCreateShaderModule(vk, &info, nil, &module), "vkCreateShaderModule(\(kernel.name))")
        }
        guard let module else { throw MaskstreamError(.vulkan, "vkCreateShaderModule returned nothing") }
        defer { vkDestroyShaderModule(vk, module, nil) }

        var bindings = (0 ..< kernel.bindings).map { i in
            var b = VkDescriptorSetLayoutBinding()
            b.binding = UInt32(i)
            b.descriptorType = kernel.texelBindings.contains(i)
                ? VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER : VK_DESCRIPTOR_TYPE_STORAGE_BUFFER
            b.descriptorCount = 1
            b.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT.rawValue
            return b
        }
        var setLayout: VkDescriptorSetLayout?
        try bindings.withUnsafeMutableBufferPointer { bp in
            var info = VkDescriptorSetLayoutCreateInfo()
            info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO
            info.bindingCount = UInt32(bp.count)
            info.pBindings = UnsafePointer(bp.baseAddress)
            try vkCheck(vkCreateDescriptorSetLayout(vk, &info, nil, &setLayout), "vkCreateDescriptorSetLayout")
        }
        guard let setLayout else { throw MaskstreamError(.vulkan, "vkCreateDescriptorSetLayout returned nothing") }

        var range = VkPushConstantRange()
        range.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT.rawValue
        range.offset = 0
        range.size = UInt32(Kernel.pushConstantBytes)
        var layout: VkPipelineLayout?
        var setLayoutOpt: VkDescriptorSetLayout? = setLayout
        do {
            try withUnsafePointer(to: &setLayoutOpt) { slp in
                try withUnsafePointer(to: &range) { rp in
                    var info = VkPipelineLayoutCreateInfo()
                    info.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO
                    info.setLayoutCount = 1
                    info.pSetLayouts = slp
                    info.pushConstantRangeCount = 1
                    info.pPushConstantRanges = rp
                    try vkCheck(vkCreatePipelineLayout(vk, &info, nil, &layout), "vkCreatePipelineLayout")
                }
            }
        } catch {
            vkDestroyDescriptorSetLayout(vk, setLayout, nil)
            throw error
        }
        guard let layout else { throw MaskstreamError(.vulkan, "vkCreatePipelineLayout returned nothing") }

        var pipeline: VkPipeline?
        var entries = kernel.constants.indices.map { i in
            VkSpecializationMapEntry(constantID: UInt32(i), offset: UInt32(i * 4), size: 4)
        }
        var values = kernel.constants
        let result: VkResult = withCStrings(["main"]) { names in
            entries.withUnsafeMutableBufferPointer { entryPointer in
                values.withUnsafeMutableBytes { valueBytes in
                    var specialization = VkSpecializationInfo(
                        mapEntryCount: UInt32(entryPointer.count), pMapEntries: UnsafePointer(entryPointer.baseAddress),
                        dataSize: valueBytes.count, pData: UnsafeRawPointer(valueBytes.baseAddress))
                    return withUnsafePointer(to: &specialization) { specializationPointer in
                        var stage = VkPipelineShaderStageCreateInfo()
                        stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO
                        stage.stage = VK_SHADER_STAGE_COMPUTE_BIT
                        stage.module = module
                        stage.pName = names[0]
                        stage.pSpecializationInfo = kernel.constants.isEmpty ? nil : specializationPointer
                        var info = VkComputePipelineCreateInfo()
                        info.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO
                        info.stage = stage
                        info.layout = layout
                        return vkCreateComputePipelines(vk, device.pipelineCache, 1, &info, nil, &pipeline)
                    }
                }
            }
        }
        guard result == VK_SUCCESS, let pipeline else {
            vkDestroyPipelineLayout(vk, layout, nil)
            vkDestroyDescriptorSetLayout(vk, setLayout, nil)
            try vkCheck(
                result == VK_SUCCESS ? VK_ERROR_INITIALIZATION_FAILED : result,
                "vkCreateComputePipelines(\(kernel.name))")
            throw MaskstreamError(.vulkan, "vkCreateComputePipelines returned nothing")
        }
        self.setLayout = setLayout
        self.layout = layout
        self.pipeline = pipeline
    }

    /// Frees the Vulkan objects; called by the owning device.
    func destroy(_ device: VkDevice) {
        vkDestroyPipeline(device, pipeline, nil)
        vkDestroyPipelineLayout(device, layout, nil)
        vkDestroyDescriptorSetLayout(device, setLayout, nil)
    }
}
