import CVulkan
import MaskstreamCore

/// Many kernel dispatches recorded into ONE command buffer, submitted at once.
///
/// Ops append dispatches (`linear`, `layerNorm`, `attention`, …); a memory barrier is
/// inserted only before a dispatch that reads or writes a buffer an earlier dispatch
/// (since the last barrier) wrote, or writes a buffer one read. `submit()` ends the
/// recording and queues the work; `wait()` blocks on the sequence's fence. A recorded
/// sequence can be submitted again (e.g. the same forward pass every frame, with new
/// input uploaded in between); `reset()` clears it for new recording.
///
/// ```swift
/// let seq = try device.makeSequence()
/// try seq.layerNorm(x: x, gamma: g, beta: b, y: h, rows: 197, dim: 768, eps: 1e-6)
/// try seq.linear(x: h, weight: w, bias: bias, y: out, m: 197, n: 2304, k: 768)
/// try seq.submit()
/// try seq.wait()
/// ```
public final class CommandSequence {
    /// The device the sequence records for.
    public let device: VulkanDevice
    /// Dispatches recorded so far.
    public private(set) var dispatchCount = 0
    /// Pipeline barriers recorded so far.
    public private(set) var barrierCount = 0

    private enum State { case recording, recorded, pending }
    private var state = State.recording
    private let pool: VkCommandPool
    private let commandBuffer: VkCommandBuffer
    private let fence: VkFence
    private var descriptorPools: [VkDescriptorPool] = []
    private var setsLeftInPool = 0
    private var writtenSinceBarrier = Set<ObjectIdentifier>()
    private var readSinceBarrier = Set<ObjectIdentifier>()
    private var retained: [ObjectIdentifier: GPUBuffer] = [:]
    private static let setsPerPool = 256
    /// Timestamps around every dispatch when the device profiles kernels (`kernelTimes()`).
    private var timestamps: (pool: VkQueryPool, capacity: Int)?
    private var timedKernels: [String] = []
    /// A name prefixed to the kernels recorded while it is set (`"attention"` → `attention/linear_texels`),
    /// so `kernelTimes()` can attribute shared kernels to a part of a model.
    public var profileScope = ""
    /// Texel-buffer views made for texel bindings, freed on `reset()` and `deinit`.
    private var views: [VkBufferView] = []

    init(device: VulkanDevice) throws {
        self.device = device
        let vk = device.device
        let pool = try VulkanDevice.makeCommandPool(vk, family: device.queueFamily, transient: false)
        let cb: VkCommandBuffer
        do {
            cb = try VulkanDevice.allocateCommandBuffer(vk, pool: pool)
        } catch {
            vkDestroyCommandPool(vk, pool, nil)
            throw error
        }
        let fence: VkFence
        do {
            fence = try device.makeFence()
        } catch {
            vkDestroyCommandPool(vk, pool, nil)
            throw error
        }
        self.pool = pool
        self.commandBuffer = cb
        self.fence = fence
        if device.profilesKernels {
            var info = VkQueryPoolCreateInfo()
            info.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO
            info.queryType = VK_QUERY_TYPE_TIMESTAMP
            info.queryCount = UInt32(Self.timestampCapacity)
            var queryPool: VkQueryPool?
            if vkCreateQueryPool(vk, &info, nil, &queryPool) == VK_SUCCESS, let queryPool {
                timestamps = (queryPool, Self.timestampCapacity)
            }
        }
        do {
            try begin()
        } catch {
            vkDestroyFence(vk, fence, nil)
            vkDestroyCommandPool(vk, pool, nil)
            throw error
        }
    }

    deinit {
        let vk = device.device
        if state == .pending {
            var f: VkFence? = fence
            _ = vkWaitForFences(vk, 1, &f, VkBool32(VK_TRUE), UInt64.max)
        }
        for p in descriptorPools { vkDestroyDescriptorPool(vk, p, nil) }
        for v in views { vkDestroyBufferView(vk, v, nil) }
        if let timestamps { vkDestroyQueryPool(vk, timestamps.pool, nil) }
        vkDestroyFence(vk, fence, nil)
        vkDestroyCommandPool(vk, pool, nil)
    }

    /// Whether submitted work may still be running.
    public var isPending: Bool { state == .pending }

    /// Ends recording (first time) and queues the command buffer. If the previous
    /// submission of this sequence is still running, waits for it first.
    public func submit() throws {
        if state == .pending { try wait() }
        if state == .recording {
            var barrier = VkMemoryBarrier()
            barrier.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER
            barrier.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT.rawValue
            barrier.dstAccessMask = VK_ACCESS_HOST_READ_BIT.rawValue
            vkCmdPipelineBarrier(
                commandBuffer, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT.rawValue, VK_PIPELINE_STAGE_HOST_BIT.rawValue,
                                 0, 1, &barrier, 0, nil, 0, nil)
            try vkCheck(vkEndCommandBuffer(commandBuffer), "vkEndCommandBuffer")
            state = .recorded
        }
        var f: VkFence? = fence
        try vkCheck(vkResetFences(device.device, 1, &f), "vkResetFences")
        try device.submit(commandBuffer, fence: fence)
        state = .pending
    }

    /// Blocks until the last submission finished (returns at once if none is pending).
    /// - Parameter timeoutNanoseconds: how long to wait; throws `.timeout` when exceeded.
    public func wait(timeoutNanoseconds: UInt64 = UInt64.max) throws {
        guard state == .pending else { return }
        var f: VkFence? = fence
        let result = vkWaitForFences(device.device, 1, &f, VkBool32(VK_TRUE), timeoutNanoseconds)
        if result == VK_TIMEOUT {
            throw MaskstreamError(
                .timeout,
                "GPU work did not finish in \(timeoutNanoseconds / 1_000_000) ms: use a smaller model or input, or a "
                    + "faster device"
            )
        }
        try vkCheck(result, "vkWaitForFences")
        state = .recorded
    }

    /// Waits for pending work, then clears the recording so new ops can be appended.
    public func reset() throws {
        try wait()
        try vkCheck(vkResetCommandBuffer(commandBuffer, 0), "vkResetCommandBuffer")
        for p in descriptorPools { try vkCheck(vkResetDescriptorPool(device.device, p, 0), "vkResetDescriptorPool") }
        setsLeftInPool = 0
        retained.removeAll()
        for v in views { vkDestroyBufferView(device.device, v, nil) }
        views.removeAll()
        writtenSinceBarrier.removeAll()
        readSinceBarrier.removeAll()
        dispatchCount = 0
        barrierCount = 0
        timedKernels.removeAll()
        try begin()
    }

    private func begin() throws {
        var info = VkCommandBufferBeginInfo()
        info.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO
        try vkCheck(vkBeginCommandBuffer(commandBuffer, &info), "vkBeginCommandBuffer")
        state = .recording
        // Order this sequence after everything submitted before it on the queue: host
        // uploads and earlier sequences' shader writes (e.g. another sequence's output
        // this one reads) become visible, and their reads finish before our writes.
        var barrier = VkMemoryBarrier()
        barrier.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER
        barrier.srcAccessMask =
            VK_ACCESS_HOST_WRITE_BIT.rawValue | VK_ACCESS_SHADER_WRITE_BIT.rawValue
            | VK_ACCESS_TRANSFER_WRITE_BIT.rawValue
        barrier.dstAccessMask = VK_ACCESS_SHADER_READ_BIT.rawValue | VK_ACCESS_SHADER_WRITE_BIT.rawValue
        let source =
            VK_PIPELINE_STAGE_HOST_BIT.rawValue | VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT.rawValue
            | VK_PIPELINE_STAGE_TRANSFER_BIT.rawValue
        vkCmdPipelineBarrier(
            commandBuffer, source, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT.rawValue, 0, 1, &barrier, 0, nil, 0, nil)
        if let timestamps {
            vkCmdResetQueryPool(commandBuffer, timestamps.pool, 0, UInt32(timestamps.capacity))
            vkCmdWriteTimestamp(commandBuffer, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, timestamps.pool, 0)
        }
    }

    private static let timestampCapacity = 4096

    /// Device time of each dispatch of the last submitted run, in recording order, when the
    /// device profiles kernels (`VulkanDevice.profilesKernels` set before the sequence was
    /// made); empty otherwise. Call after `wait()`.
    public func kernelTimes() throws -> [(kernel: String, seconds: Double)] {
        guard let timestamps, !timedKernels.isEmpty, state != .pending else { return [] }
        let stamps = timedKernels.count + 1
        var values = [UInt64](repeating: 0, count: stamps)
        try values.withUnsafeMutableBytes { raw in
            try vkCheck(vkGetQueryPoolResults(
                device.device, timestamps.pool, 0, UInt32(stamps), raw.count, raw.baseAddress, 8,
                VK_QUERY_RESULT_64_BIT.rawValue | VK_QUERY_RESULT_WAIT_BIT.rawValue), "vkGetQueryPoolResults")
        }
        let period = Double(device.limits.timestampPeriod) * 1e-9
        return timedKernels.indices.map { i in
            (timedKernels[i], Double(values[i + 1] &- values[i]) * period)
        }
    }

    /// How a kernel uses one binding (what the automatic barriers are placed by).
    public enum Access: Sendable { case read, write, readWrite }

    /// Records one dispatch of `kernel` (a module's own kernels call this; see `Kernel`).
    /// - Parameters:
    ///   - bindings: one slice per binding of the kernel, with how it is accessed.
    ///   - params: kernel parameters, pushed after the per-binding element offsets.
    ///   - groups: workgroup counts (each ≤ the device limit, 65535 is always allowed).
    public func dispatch(
        _ kernel: Kernel, _ bindings: [(BufferSlice, Access)], params: [UInt32], groups: (Int, Int, Int),
        addresses: Bool = false
    ) throws {
        try record(kernel, bindings, params: params, groups: groups, indirect: nil, addresses: addresses)
    }

    /// Records one dispatch of `kernel` whose workgroup counts the device reads from
    /// `arguments` (three `UInt32`: x, y, z) when it runs, e.g. as written by an earlier kernel
    /// that decided how much work there is. Counts of 0 run nothing; the writer keeps them
    /// within the device's limits.
    public func dispatchIndirect(
        _ kernel: Kernel, _ bindings: [(BufferSlice, Access)], params: [UInt32], arguments: BufferSlice
    ) throws {
        try ShapeCheck.holds("dispatchIndirect", "arguments", arguments, 3)
        try record(kernel, bindings, params: params, groups: (1, 1, 1), indirect: arguments, addresses: false)
    }

    private func record(
        _ kernel: Kernel, _ bindings: [(BufferSlice, Access)], params: [UInt32], groups: (Int, Int, Int),
        indirect: BufferSlice?, addresses: Bool
    ) throws {
        var params = params
        if addresses {
            // Kernels reading through `buffer_reference`: after the offsets and parameters, one
            // 8-byte-aligned device address per binding, in binding order.
            guard device.info.supportsBufferDeviceAddress else {
                throw MaskstreamError(.unsupported,
                    "kernel \(kernel.name) reads buffers by device address, which '\(device.info.name)' lacks: "
                        + "its op falls back to another variant on such devices")
            }
            if (bindings.count + params.count) % 2 == 1 { params.append(0) }
            for (slice, _) in bindings {
                let address = slice.deviceAddress
                params += [UInt32(truncatingIfNeeded: address), UInt32(truncatingIfNeeded: address >> 32)]
            }
        }
        guard state == .recording else {
            throw MaskstreamError(
                .invalidInput, "this command sequence was already submitted: call reset() before recording new ops")
        }
        guard bindings.count == kernel.bindings else {
            throw MaskstreamError(
                .internal, "kernel \(kernel.name) takes \(kernel.bindings) buffers, got \(bindings.count)")
        }
        guard (bindings.count + params.count) * 4 <= Kernel.pushConstantBytes else {
            throw MaskstreamError(
                .internal, "kernel \(kernel.name) push constants exceed \(Kernel.pushConstantBytes) bytes")
        }
        let limits = device.limits
        let maxGroups = withUnsafeBytes(of: limits.maxComputeWorkGroupCount) { Array($0.bindMemory(to: UInt32.self)) }
        for (g, limit) in zip([groups.0, groups.1, groups.2], maxGroups) where g < 0 || g > Int(limit) {
            throw MaskstreamError(
                .unsupported,
                "kernel \(kernel.name) needs \(g) workgroups, more than this device's \(limit): use a smaller input")
        }
        if groups.0 == 0 || groups.1 == 0 || groups.2 == 0 { return }

        let pipeline = try device.pipeline(kernel)
        let set = try allocateSet(pipeline.setLayout)

        let align = max(Int(limits.minStorageBufferOffsetAlignment), 4)
        let maxRange = Int(limits.maxStorageBufferRange)
        var infos: [VkDescriptorBufferInfo] = []
        var texelViews: [VkBufferView?] = []
        var offsets: [UInt32] = []
        for (index, (slice, _)) in bindings.enumerated() {
            let half = kernel.halfBindings.contains(index), texel = kernel.texelBindings.contains(index)
            // Texel bindings take either element type (the view's format follows the buffer).
            if !texel, half != (slice.element == .float16) {
                throw MaskstreamError(.invalidInput,
                    "kernel \(kernel.name) reads binding \(index) as \(half ? "fp16" : "fp32"), but it was given a "
                        + "buffer of \(slice.element) elements")
            }
            if texel {
                let (view, texelOffset) = try texelView(kernel, slice, packed: kernel.packedHalfBindings.contains(index))
                texelViews.append(view)
                infos.append(VkDescriptorBufferInfo())
                offsets.append(texelOffset)
                retained[ObjectIdentifier(slice.buffer)] = slice.buffer
                continue
            }
            texelViews.append(nil)
            let size = slice.element.bytes
            let byteOffset = slice.offset * size
            let aligned = byteOffset / align * align
            let remainder = (byteOffset - aligned) / size
            let range = (remainder + slice.count) * size
            guard range <= maxRange else {
                throw MaskstreamError(.unsupported,
                    "kernel \(kernel.name) binds \(range) bytes, more than the \(maxRange)-byte storage-buffer range "
                        + "of '\(device.info.name)': split the tensor"
                )
            }
            infos.append(
                VkDescriptorBufferInfo(
                    buffer: slice.buffer.buffer, offset: VkDeviceSize(aligned), range: VkDeviceSize(range)))
            offsets.append(UInt32(remainder))
            retained[ObjectIdentifier(slice.buffer)] = slice.buffer
        }
        infos.withUnsafeBufferPointer { ip in
            texelViews.withUnsafeBufferPointer { vp in
                var writes = (0 ..< infos.count).map { i in
                    var w = VkWriteDescriptorSet()
                    w.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET
                    w.dstSet = set
                    w.dstBinding = UInt32(i)
                    w.descriptorCount = 1
                    if texelViews[i] != nil {
                        w.descriptorType = VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER
                        w.pTexelBufferView = vp.baseAddress.map { $0 + i }
                    } else {
                        w.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER
                        w.pBufferInfo = ip.baseAddress.map { $0 + i }
                    }
                    return w
                }
                vkUpdateDescriptorSets(device.device, UInt32(writes.count), &writes, 0, nil)
            }
        }

        var reads = Set(bindings.filter { $0.1 != .write }.map { ObjectIdentifier($0.0.buffer) })
        if let indirect { reads.insert(ObjectIdentifier(indirect.buffer)) }
        let writes = Set(bindings.filter { $0.1 != .read }.map { ObjectIdentifier($0.0.buffer) })
        if !writtenSinceBarrier.isDisjoint(with: reads.union(writes)) || !readSinceBarrier.isDisjoint(with: writes) {
            var barrier = VkMemoryBarrier()
            barrier.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER
            barrier.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT.rawValue | VK_ACCESS_SHADER_READ_BIT.rawValue
            barrier.dstAccessMask = VK_ACCESS_SHADER_READ_BIT.rawValue | VK_ACCESS_SHADER_WRITE_BIT.rawValue
            var dstStage = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT.rawValue
            if indirect != nil {
                barrier.dstAccessMask |= VK_ACCESS_INDIRECT_COMMAND_READ_BIT.rawValue
                dstStage |= VK_PIPELINE_STAGE_DRAW_INDIRECT_BIT.rawValue
            }
            vkCmdPipelineBarrier(
                commandBuffer, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT.rawValue, dstStage, 0, 1, &barrier, 0, nil, 0, nil)
            barrierCount += 1
            writtenSinceBarrier.removeAll()
            readSinceBarrier.removeAll()
        }
        writtenSinceBarrier.formUnion(writes)
        readSinceBarrier.formUnion(reads)

        vkCmdBindPipeline(commandBuffer, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline.pipeline)
        var setOpt: VkDescriptorSet? = set
        vkCmdBindDescriptorSets(commandBuffer, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline.layout, 0, 1, &setOpt, 0, nil)
        var push = offsets + params
        push += [UInt32](repeating: 0, count: Kernel.pushConstantBytes / 4 - push.count)
        vkCmdPushConstants(
            commandBuffer, pipeline.layout, VK_SHADER_STAGE_COMPUTE_BIT.rawValue, 0, UInt32(Kernel.pushConstantBytes),
            &push)
        if let indirect {
            retained[ObjectIdentifier(indirect.buffer)] = indirect.buffer
            vkCmdDispatchIndirect(commandBuffer, indirect.buffer.buffer, VkDeviceSize(indirect.offset * 4))
        } else {
            vkCmdDispatch(commandBuffer, UInt32(groups.0), UInt32(groups.1), UInt32(groups.2))
        }
        dispatchCount += 1
        if let timestamps, timedKernels.count + 1 < timestamps.capacity {
            timedKernels.append(profileScope.isEmpty ? kernel.name : "\(profileScope)/\(kernel.name)")
            vkCmdWriteTimestamp(
                commandBuffer, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, timestamps.pool, UInt32(timedKernels.count))
        }
    }

    /// An RGBA32F (or, for `.float16` buffers, RGBA16F) texel view of `slice` starting at or
    /// before its first element, and the slice's first texel in it. The slice must start on a
    /// whole texel (4 elements).
    ///
    /// `packed`: the slice holds fp16 elements read 8 per RGBA32UI texel (two halves per word);
    /// it must start on a multiple of 8.
    private func texelView(_ kernel: Kernel, _ slice: BufferSlice, packed: Bool = false) throws -> (VkBufferView, UInt32) {
        let half = slice.element == .float16
        let perTexel = packed ? 8 : 4
        guard slice.offset % perTexel == 0, !packed || half else {
            throw MaskstreamError(.internal,
                "kernel \(kernel.name) reads a slice of \(slice.element) at element \(slice.offset) as "
                    + "\(perTexel)-element\(packed ? " fp16" : "") texels: it must start on a multiple of \(perTexel)")
        }
        guard !half || packed || device.info.supportsFP16Texels else {
            throw MaskstreamError(.unsupported,
                "kernel \(kernel.name) reads fp16 texels, which '\(device.info.name)' lacks: use model.precision fp32")
        }
        let limits = device.limits
        let texel = perTexel * slice.element.bytes
        let align = max(Int(limits.minTexelBufferOffsetAlignment), 16)
        let byteOffset = slice.offset * slice.element.bytes
        let aligned = byteOffset / align * align
        let allocated = (slice.buffer.byteSize + 15) / 16 * 16
        let range = min((byteOffset - aligned + slice.count * slice.element.bytes + texel - 1) / texel * texel,
                        allocated - aligned)
        guard range / texel <= Int(limits.maxTexelBufferElements) else {
            throw MaskstreamError(.unsupported,
                "kernel \(kernel.name) reads \(range / texel) texels, more than the \(limits.maxTexelBufferElements) "
                    + "of '\(device.info.name)': split the tensor")
        }
        var info = VkBufferViewCreateInfo()
        info.sType = VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO
        info.buffer = slice.buffer.buffer
        info.format = packed ? VK_FORMAT_R32G32B32A32_UINT : half ? VK_FORMAT_R16G16B16A16_SFLOAT
            : VK_FORMAT_R32G32B32A32_SFLOAT
        info.offset = VkDeviceSize(aligned)
        info.range = VkDeviceSize(range)
        var view: VkBufferView?
        try vkCheck(vkCreateBufferView(device.device, &info, nil, &view), "vkCreateBufferView")
        guard let view else { throw MaskstreamError(.vulkan, "vkCreateBufferView returned nothing") }
        views.append(view)
        return (view, UInt32((byteOffset - aligned) / texel))
    }

    private func allocateSet(_ layout: VkDescriptorSetLayout) throws -> VkDescriptorSet {
        if setsLeftInPool == 0 {
            if descriptorPools.count * Self.setsPerPool <= dispatchCount || descriptorPools.isEmpty {
                var sizes = [
                    VkDescriptorPoolSize(
                        type: VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, descriptorCount: UInt32(Self.setsPerPool * 8)),
                    VkDescriptorPoolSize(
                        type: VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER, descriptorCount: UInt32(Self.setsPerPool * 4)),
                ]
                var info = VkDescriptorPoolCreateInfo()
                info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO
                info.maxSets = UInt32(Self.setsPerPool)
                info.poolSizeCount = UInt32(sizes.count)
                var pool: VkDescriptorPool?
                try sizes.withUnsafeMutableBufferPointer { sp in
                    info.pPoolSizes = UnsafePointer(sp.baseAddress)
                    try vkCheck(vkCreateDescriptorPool(device.device, &info, nil, &pool), "vkCreateDescriptorPool")
                }
                guard let pool else { throw MaskstreamError(.vulkan, "vkCreateDescriptorPool returned nothing") }
                descriptorPools.append(pool)
            }
            setsLeftInPool = Self.setsPerPool
        }
        let poolIndex = dispatchCount / Self.setsPerPool
        guard descriptorPools.indices.contains(poolIndex) else {
            throw MaskstreamError(.internal, "descriptor pool bookkeeping is inconsistent")
        }
        var layoutOpt: VkDescriptorSetLayout? = layout
        var info = VkDescriptorSetAllocateInfo()
        info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO
        info.descriptorPool = descriptorPools[poolIndex]
        info.descriptorSetCount = 1
        var set: VkDescriptorSet?
        try withUnsafePointer(to: &layoutOpt) { lp in
            info.pSetLayouts = lp
            try vkCheck(vkAllocateDescriptorSets(device.device, &info, &set), "vkAllocateDescriptorSets")
        }
        guard let set else { throw MaskstreamError(.vulkan, "vkAllocateDescriptorSets returned nothing") }
        setsLeftInPool -= 1
        return set
    }
}

extension CommandSequence {
    /// Loop iterations one shader invocation may run on this device (`KernelProfile`).
    var loopIterationBudget: Int { device.kernelProfile.loopIterationBudget }
}

/// Number of 1-D workgroups for `count` items with `local` invocations each, capped so
/// kernels that loop with a grid stride stay inside the guaranteed 65535 limit.
public func groups1D(_ count: Int, local: Int) -> Int {
    min((count + local - 1) / local, 65535)
}
