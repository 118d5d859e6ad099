import CVulkan
import Foundation
import MaskstreamCore

/// How a buffer stores its elements: 32-bit floats (every kernel) or 16-bit floats (linear
/// weights at `model.precision: fp16`, read by the kernels that declare it, converted to fp32
/// as they are loaded; accumulation stays fp32).
public enum ElementType: String, Sendable, CaseIterable, CustomStringConvertible {
    case float32 = "fp32"
    case float16 = "fp16"

    /// Bytes per element.
    public var bytes: Int { self == .float32 ? 4 : 2 }

    public var description: String { rawValue }
}

/// A Vulkan storage buffer sized in elements: 32-bit floats unless made with `.float16`.
///
/// On CPU and integrated devices the memory is host-visible and mapped, so `upload` and
/// `download` are plain copies; on discrete GPUs it is device-local and they go through
/// a staging buffer. Upload weights once; bind parts of one big buffer with `slice`.
///
/// `upload` and `download` do not synchronize with command sequences: wait for the
/// sequences that use the buffer first.
public final class GPUBuffer: @unchecked Sendable {
    /// Number of elements the buffer holds (floats unless `element` is `.float16`).
    public let count: Int
    /// How the elements are stored; `upload` and `download` convert from and to `Float`.
    public let element: ElementType
    let byteSize: Int
    let buffer: VkBuffer
    let memory: VkDeviceMemory
    /// The buffer's device address (0 where the device has no `bufferDeviceAddress`).
    let address: UInt64
    private let mapped: UnsafeMutableRawPointer?
    /// Kept alive while the buffer exists: its memory belongs to this device.
    private let owner: VulkanDevice

    /// - Parameters:
    ///   - hostVisible: memory kind; by default host-visible except on discrete GPUs.
    ///   - mappable: when false, never map the memory, so uploads and downloads take
    ///     the staging path of discrete GPUs (lets CPU-only CI test that path).
    init(device: VulkanDevice, count: Int, element: ElementType = .float32, hostVisible: Bool? = nil,
         mappable: Bool = true) throws {
        guard count > 0 else {
            throw MaskstreamError(.invalidInput, "a GPU buffer needs at least one float, got \(count): check the tensor shape")
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: element.bytes)
        guard !overflow, UInt64(bytes) <= UInt64(Int64.max) else {
            throw MaskstreamError(.invalidInput, "a GPU buffer of \(count) floats is too large: use a smaller input")
        }
        self.count = count
        self.element = element
        self.byteSize = bytes
        self.owner = device
        let vk = device.device

        var info = VkBufferCreateInfo()
        info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO
        // Whole 16-byte texels, so a texel-buffer view can cover the last floats.
        info.size = VkDeviceSize((bytes + 15) / 16 * 16)
        let addressable = device.info.supportsBufferDeviceAddress
        info.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT.rawValue | VK_BUFFER_USAGE_INDIRECT_BUFFER_BIT.rawValue
            | VK_BUFFER_USAGE_TRANSFER_SRC_BIT.rawValue
            | VK_BUFFER_USAGE_TRANSFER_DST_BIT.rawValue | VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT.rawValue
            | (addressable ? VK_BUFFER_USAGE_SHADER_DEVICE_ADDRESS_BIT.rawValue : 0)
        info.sharingMode = VK_SHARING_MODE_EXCLUSIVE
        var buffer: VkBuffer?
        try vkCheck(vkCreateBuffer(vk, &info, nil, &buffer), "vkCreateBuffer(\(bytes) bytes)")
        guard let buffer else { throw MaskstreamError(.vulkan, "vkCreateBuffer returned nothing") }

        var requirements = VkMemoryRequirements()
        vkGetBufferMemoryRequirements(vk, buffer, &requirements)
        let wantHost = hostVisible ?? (device.info.kind != .discreteGPU)
        let hostFlags = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT.rawValue | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT.rawValue
        let local = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT.rawValue
        let typeIndex = wantHost
            ? device.memoryType(typeBits: requirements.memoryTypeBits, required: hostFlags, preferred: hostFlags | local)
            : device.memoryType(typeBits: requirements.memoryTypeBits, required: local, preferred: local)
        guard let typeIndex else {
            vkDestroyBuffer(vk, buffer, nil)
            throw MaskstreamError(.unsupported, "device '\(device.info.name)' has no suitable memory type for buffers: pick another device")
        }
        var alloc = VkMemoryAllocateInfo()
        alloc.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO
        alloc.allocationSize = requirements.size
        alloc.memoryTypeIndex = typeIndex
        var memory: VkDeviceMemory?
        var allocFlags = VkMemoryAllocateFlagsInfo()
        allocFlags.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_FLAGS_INFO
        allocFlags.flags = VK_MEMORY_ALLOCATE_DEVICE_ADDRESS_BIT.rawValue
        let allocResult = withUnsafePointer(to: &allocFlags) { fp in
            if addressable { alloc.pNext = UnsafeRawPointer(fp) }
            return vkAllocateMemory(vk, &alloc, nil, &memory)
        }
        guard allocResult == VK_SUCCESS, let memory else {
            vkDestroyBuffer(vk, buffer, nil)
            try vkCheck(allocResult == VK_SUCCESS ? VK_ERROR_OUT_OF_DEVICE_MEMORY : allocResult, "vkAllocateMemory(\(bytes) bytes)")
            throw MaskstreamError(.vulkan, "vkAllocateMemory returned nothing")
        }
        let bindResult = vkBindBufferMemory(vk, buffer, memory, 0)
        var pointer: UnsafeMutableRawPointer?
        var mapResult = VK_SUCCESS
        let flags = withUnsafeBytes(of: device.memoryProperties.memoryTypes) { raw in
            raw.bindMemory(to: VkMemoryType.self)[Int(typeIndex)].propertyFlags
        }
        if bindResult == VK_SUCCESS, mappable, flags & hostFlags == hostFlags {
            mapResult = vkMapMemory(vk, memory, 0, VkDeviceSize(VK_WHOLE_SIZE), 0, &pointer)
        }
        guard bindResult == VK_SUCCESS, mapResult == VK_SUCCESS else {
            vkFreeMemory(vk, memory, nil)
            vkDestroyBuffer(vk, buffer, nil)
            try vkCheck(bindResult, "vkBindBufferMemory")
            try vkCheck(mapResult, "vkMapMemory")
            throw MaskstreamError(.vulkan, "binding buffer memory failed")
        }
        self.buffer = buffer
        self.memory = memory
        if addressable {
            var addressInfo = VkBufferDeviceAddressInfo()
            addressInfo.sType = VK_STRUCTURE_TYPE_BUFFER_DEVICE_ADDRESS_INFO
            addressInfo.buffer = buffer
            self.address = vkGetBufferDeviceAddress(vk, &addressInfo)
        } else {
            self.address = 0
        }
        self.mapped = pointer
        device.countMemory(bytes)
    }

    deinit {
        owner.countMemory(-byteSize)
        let vk = owner.device
        if mapped != nil { vkUnmapMemory(vk, memory) }
        vkDestroyBuffer(vk, buffer, nil)
        vkFreeMemory(vk, memory, nil)
    }

    /// The whole buffer as a slice.
    public var all: BufferSlice { BufferSlice(buffer: self, offset: 0, count: count) }

    /// `count` floats starting at float `offset`; throws if that is outside the buffer.
    public func slice(offset: Int, count: Int) throws -> BufferSlice {
        guard offset >= 0, count > 0, offset <= self.count, count <= self.count - offset else {
            throw MaskstreamError(.invalidInput,
                "slice [\(offset), \(offset) + \(count)) is outside a GPU buffer of \(self.count) floats: check tensor offsets and shapes")
        }
        return BufferSlice(buffer: self, offset: offset, count: count)
    }

    /// Copies `values` into the buffer starting at element `offset` (rounded to the nearest
    /// half when the buffer holds `.float16`).
    public func upload(_ values: [Float], at offset: Int = 0) throws {
        let what = "\(values.count) floats at \(offset)"
        switch element {
        case .float32:
            try values.withUnsafeBytes { raw in try write(raw, atByte: offset * 4, what: what) }
        case .float16:
            let halves = values.map { Float16($0) }
            try halves.withUnsafeBytes { raw in try write(raw, atByte: offset * 2, what: what) }
        }
    }

    /// Copies raw bytes (e.g. an RGB8 frame) into the buffer starting at byte `byteOffset`.
    public func upload(bytes: [UInt8], atByte byteOffset: Int = 0) throws {
        try bytes.withUnsafeBytes { raw in try write(raw, atByte: byteOffset, what: "\(bytes.count) bytes at byte \(byteOffset)") }
    }

    /// Reads `count` elements starting at element `offset` (all of them by default) as floats.
    public func download(offset: Int = 0, count: Int? = nil) throws -> [Float] {
        switch element {
        case .float32: try read(Float.self, offset: offset, count: count)
        case .float16: try read(Float16.self, offset: offset, count: count).map { Float($0) }
        }
    }

    /// Reads `count` 32-bit words starting at word `offset` as `UInt32` (bit masks, indices).
    public func downloadWords(offset: Int = 0, count: Int? = nil) throws -> [UInt32] {
        guard element == .float32 else {
            throw MaskstreamError(.invalidInput, "downloadWords reads 32-bit words, not a buffer of \(element) elements")
        }
        return try read(UInt32.self, offset: offset, count: count)
    }

    private func read<T: BitwiseCopyable>(_: T.Type, offset: Int, count: Int?) throws -> [T] {
        let n = count ?? (self.count - offset)
        let size = element.bytes
        guard offset >= 0, n >= 0, offset <= self.count, n <= self.count - offset else {
            throw MaskstreamError(.invalidInput, "download of \(n) floats at \(offset) is outside a GPU buffer of \(self.count) floats")
        }
        if n == 0 { return [] }
        if let mapped {
            return [T](unsafeUninitializedCapacity: n) { dst, initialized in
                UnsafeMutableRawBufferPointer(dst).copyMemory(
                    from: UnsafeRawBufferPointer(start: mapped + offset * size, count: n * size))
                initialized = n
            }
        }
        let staging = try GPUBuffer(device: owner, count: n, element: element, hostVisible: true)
        try owner.runImmediately { cb in
            var region = VkBufferCopy(
                srcOffset: VkDeviceSize(offset * size), dstOffset: 0, size: VkDeviceSize(n * size))
            vkCmdCopyBuffer(cb, buffer, staging.buffer, 1, &region)
            Self.hostBarrier(cb, access: VK_ACCESS_HOST_READ_BIT.rawValue)
        }
        return try staging.read(T.self, offset: 0, count: n)
    }

    private func write(_ raw: UnsafeRawBufferPointer, atByte byteOffset: Int, what: String) throws {
        guard byteOffset >= 0, byteOffset <= byteSize, raw.count <= byteSize - byteOffset else {
            throw MaskstreamError(.invalidInput, "upload of \(what) does not fit a GPU buffer of \(count) floats: allocate a larger buffer")
        }
        guard raw.count > 0, let base = raw.baseAddress else { return }
        if let mapped {
            (mapped + byteOffset).copyMemory(from: base, byteCount: raw.count)
        } else {
            let staging = try GPUBuffer(device: owner, count: (raw.count + 3) / 4, hostVisible: true)
            guard let stagingPointer = staging.mapped else {
                throw MaskstreamError(.unsupported, "device '\(owner.info.name)' has no host-visible memory for uploads")
            }
            stagingPointer.copyMemory(from: base, byteCount: raw.count)
            try owner.runImmediately { cb in
                var region = VkBufferCopy(srcOffset: 0, dstOffset: VkDeviceSize(byteOffset), size: VkDeviceSize(raw.count))
                vkCmdCopyBuffer(cb, staging.buffer, buffer, 1, &region)
                Self.hostBarrier(cb, access: VK_ACCESS_SHADER_READ_BIT.rawValue)
            }
        }
    }

    private static func hostBarrier(_ cb: VkCommandBuffer, access: UInt32) {
        var barrier = VkMemoryBarrier()
        barrier.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER
        barrier.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT.rawValue
        barrier.dstAccessMask = access
        let dstStage = access == VK_ACCESS_HOST_READ_BIT.rawValue ? VK_PIPELINE_STAGE_HOST_BIT : VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT
        vkCmdPipelineBarrier(cb, VK_PIPELINE_STAGE_TRANSFER_BIT.rawValue, dstStage.rawValue, 0, 1, &barrier, 0, nil, 0, nil)
    }
}

/// A range of elements (floats unless the buffer holds `.float16`) inside a `GPUBuffer`: what
/// kernels bind.
public struct BufferSlice: Sendable {
    /// The buffer holding the data.
    public let buffer: GPUBuffer
    /// First float of the slice.
    public let offset: Int
    /// Number of floats in the slice.
    public let count: Int

    /// The device address of the slice's first float (for kernels that read through
    /// `buffer_reference`); 0 where the device has no `bufferDeviceAddress`.
    var deviceAddress: UInt64 { buffer.address == 0 ? 0 : buffer.address + UInt64(offset * buffer.element.bytes) }

    /// How the slice's elements are stored.
    public var element: ElementType { buffer.element }

    /// A sub-slice `count` floats long starting `offset` floats into this slice.
    public func slice(offset: Int, count: Int) throws -> BufferSlice {
        guard offset >= 0, count > 0, offset <= self.count, count <= self.count - offset else {
            throw MaskstreamError(.invalidInput,
                "sub-slice [\(offset), \(offset) + \(count)) is outside a slice of \(self.count) floats: check tensor offsets and shapes")
        }
        return BufferSlice(buffer: buffer, offset: self.offset + offset, count: count)
    }
}
