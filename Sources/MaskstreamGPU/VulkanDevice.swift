import CVulkan
import Foundation
import MaskstreamCore
import Synchronization

/// Whether to load the Khronos validation layer.
public enum ValidationMode: Sendable, Equatable {
    /// No validation (production).
    case off
    /// Validation when the layer is installed, silently none otherwise.
    case ifAvailable
    /// Validation, or a thrown `.unsupported` error when the layer is missing.
    case required
}

/// One Vulkan device: owns the instance, the logical device, its compute queue, the
/// pipeline cache and the compiled kernels.
///
/// ```swift
/// let device = try VulkanDevice()                      // best device available
/// let x = try device.makeBuffer(count: 1024)
/// try x.upload(values)
/// let seq = try device.makeSequence()
/// try seq.gelu(x: x.all, y: x.all, count: 1024)
/// try seq.submit(); try seq.wait()
/// ```
///
/// Thread safety: a device may be shared across threads; queue submission and the
/// kernel cache are locked. Each `CommandSequence` belongs to one thread at a time.
public final class VulkanDevice: @unchecked Sendable {
    /// What the chosen physical device is.
    public let info: DeviceInfo
    /// Validation-layer message counts, or `nil` when validation is off.
    public let validation: ValidationMonitor?

    let instance: VkInstance
    let physicalDevice: VkPhysicalDevice
    let device: VkDevice
    let queue: VkQueue
    let queueFamily: UInt32
    let pipelineCache: VkPipelineCache
    let limits: VkPhysicalDeviceLimits
    let memoryProperties: VkPhysicalDeviceMemoryProperties
    private let messenger: VkDebugUtilsMessengerEXT?
    private let queueLock = Mutex<Void>(())
    private let kernels = Mutex<[Kernel: ComputePipeline]>([:])
    private let transferPool: VkCommandPool
    private let transferLock = Mutex<Void>(())

    /// Lists the Vulkan devices of this machine (for `maskstream devices`).
    public static func available() throws -> [DeviceInfo] {
        let instance = try makeInstance(validation: false).instance
        defer { vkDestroyInstance(instance, nil) }
        return try physicalDevices(instance).enumerated().map { describe($1, index: $0) }
    }

    /// Opens a device.
    /// - Parameters:
    ///   - selection: which device; `.automatic` prefers discrete > integrated > virtual > CPU.
    ///   - validation: whether to load the Khronos validation layer and count its messages.
    public init(selection: DeviceSelection = .automatic, validation: ValidationMode = .off) throws {
        var wantValidation = validation != .off
        if wantValidation && !Self.validationLayerInstalled() {
            if validation == .required {
                throw MaskstreamError(.unsupported,
                    "the Vulkan validation layer VK_LAYER_KHRONOS_validation is not installed: install "
                        + "vulkan-validationlayers or run without validation"
                )
            }
            wantValidation = false
        }
        let made = try Self.makeInstance(validation: wantValidation)
        instance = made.instance
        var ok = false
        defer { if !ok { vkDestroyInstance(made.instance, nil) } }

        var createdMessenger: VkDebugUtilsMessengerEXT?
        var monitor: ValidationMonitor?
        if wantValidation {
            let m = ValidationMonitor()
            createdMessenger = try Self.makeMessenger(instance, monitor: m)
            monitor = m
        }
        messenger = createdMessenger
        self.validation = monitor
        defer { if !ok, let createdMessenger { Self.destroyMessenger(made.instance, createdMessenger) } }

        let devices = try Self.physicalDevices(made.instance)
        let infos = devices.enumerated().map { Self.describe($1, index: $0) }
        let chosen = try Self.choose(infos, selection: selection)
        let physical = devices[chosen]
        physicalDevice = physical
        info = infos[chosen]
        profile = Locked(KernelProfile(device: infos[chosen]))

        var props = VkPhysicalDeviceProperties()
        vkGetPhysicalDeviceProperties(physicalDevice, &props)
        limits = props.limits
        var memProps = VkPhysicalDeviceMemoryProperties()
        vkGetPhysicalDeviceMemoryProperties(physicalDevice, &memProps)
        memoryProperties = memProps

        var familyCount: UInt32 = 0
        vkGetPhysicalDeviceQueueFamilyProperties(physicalDevice, &familyCount, nil)
        var families = [VkQueueFamilyProperties](repeating: VkQueueFamilyProperties(), count: Int(familyCount))
        vkGetPhysicalDeviceQueueFamilyProperties(physicalDevice, &familyCount, &families)
        guard let family = families.firstIndex(where: { $0.queueFlags & VK_QUEUE_COMPUTE_BIT.rawValue != 0 }) else {
            throw MaskstreamError(
                .unsupported, "device '\(infos[chosen].name)' has no compute queue: pick another device with --device")
        }
        queueFamily = UInt32(family)

        var priority: Float = 1
        var queueInfo = VkDeviceQueueCreateInfo()
        queueInfo.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO
        queueInfo.queueFamilyIndex = queueFamily
        queueInfo.queueCount = 1
        var createdDevice: VkDevice?
        try withUnsafePointer(to: &priority) { prio in
            queueInfo.pQueuePriorities = prio
            try withUnsafePointer(to: &queueInfo) { qi in
                var deviceInfo = VkDeviceCreateInfo()
                deviceInfo.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO
                deviceInfo.queueCreateInfoCount = 1
                deviceInfo.pQueueCreateInfos = qi
                var address = VkPhysicalDeviceBufferDeviceAddressFeatures()
                address.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_BUFFER_DEVICE_ADDRESS_FEATURES
                address.bufferDeviceAddress = 1
                // fp16 weights in storage buffers (`linear_tiled_f16`).
                var storage16 = VkPhysicalDevice16BitStorageFeatures()
                storage16.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES
                storage16.storageBuffer16BitAccess = 1
                try withUnsafeMutablePointer(to: &address) { ap in
                    try withUnsafeMutablePointer(to: &storage16) { sp in
                        var chain: UnsafeMutableRawPointer?
                        if infos[chosen].supportsBufferDeviceAddress {
                            ap.pointee.pNext = chain
                            chain = UnsafeMutableRawPointer(ap)
                        }
                        if infos[chosen].supportsFP16Storage {
                            sp.pointee.pNext = chain
                            chain = UnsafeMutableRawPointer(sp)
                        }
                        deviceInfo.pNext = UnsafeRawPointer(chain)
                        try vkCheck(vkCreateDevice(physical, &deviceInfo, nil, &createdDevice), "vkCreateDevice")
                    }
                }
            }
        }
        guard let createdDevice else {
            throw MaskstreamError(.vulkan, "vkCreateDevice returned no device: check the driver")
        }
        device = createdDevice
        defer { if !ok { vkDestroyDevice(createdDevice, nil) } }

        var createdQueue: VkQueue?
        vkGetDeviceQueue(device, queueFamily, 0, &createdQueue)
        guard let createdQueue else {
            throw MaskstreamError(.vulkan, "vkGetDeviceQueue returned no queue: check the driver")
        }
        queue = createdQueue

        var cacheInfo = VkPipelineCacheCreateInfo()
        cacheInfo.sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO
        var cache: VkPipelineCache?
        try vkCheck(vkCreatePipelineCache(device, &cacheInfo, nil, &cache), "vkCreatePipelineCache")
        guard let cache else { throw MaskstreamError(.vulkan, "vkCreatePipelineCache returned nothing") }
        pipelineCache = cache

        transferPool = try Self.makeCommandPool(device, family: queueFamily, transient: true)
        ok = true
    }

    deinit {
        vkDeviceWaitIdle(device)
        kernels.withLock { cache in
            for pipeline in cache.values { pipeline.destroy(device) }
            cache.removeAll()
        }
        vkDestroyCommandPool(device, transferPool, nil)
        vkDestroyPipelineCache(device, pipelineCache, nil)
        vkDestroyDevice(device, nil)
        if let messenger { Self.destroyMessenger(instance, messenger) }
        vkDestroyInstance(instance, nil)
    }

    /// Allocates a buffer of `count` floats (contents undefined until uploaded).
    public func makeBuffer(count: Int, element: ElementType = .float32) throws -> GPUBuffer {
        try GPUBuffer(device: self, count: count, element: element)
    }

    /// Allocates a buffer of `element`s and uploads `values` into it (rounded to halves for
    /// `.float16`).
    public func makeBuffer(_ values: [Float], element: ElementType = .float32) throws -> GPUBuffer {
        let buffer = try GPUBuffer(device: self, count: values.count, element: element)
        try buffer.upload(values)
        return buffer
    }

    /// The kernel variants this device runs: `KernelProfile(device: info)` unless replaced
    /// (tests and benchmarks compare variants on one device; set it before recording).
    public var kernelProfile: KernelProfile {
        get { profile.withLock { $0 } }
        set { profile.withLock { $0 = newValue } }
    }
    private let profile: Locked<KernelProfile>

    /// When true, sequences made from now on time every dispatch with timestamp queries
    /// (`CommandSequence.kernelTimes()`): benchmarks only, it costs a query per dispatch.
    public var profilesKernels: Bool {
        get { profiling.withLock { $0 } }
        set { profiling.withLock { $0 = newValue } }
    }
    private let profiling = Locked(false)

    /// Bytes of device memory this process holds in buffers now, and the most it held at once.
    public var memoryInUse: (current: Int, peak: Int) { memoryCounter.withLock { ($0.current, $0.peak) } }
    private let memoryCounter = Locked((current: 0, peak: 0))

    /// `GPUBuffer` reports each allocation (positive) and free (negative).
    func countMemory(_ bytes: Int) {
        memoryCounter.withLock {
            $0.current += bytes
            $0.peak = max($0.peak, $0.current)
        }
    }

    /// Starts an empty command sequence (one command buffer, one fence).
    public func makeSequence() throws -> CommandSequence {
        try CommandSequence(device: self)
    }

    /// Blocks until the device has finished all submitted work.
    public func waitIdle() throws {
        try vkCheck(vkDeviceWaitIdle(device), "vkDeviceWaitIdle")
    }

    // MARK: - Internals used by buffers, pipelines and sequences

    func submit(_ commandBuffer: VkCommandBuffer, fence: VkFence?) throws {
        var cb: VkCommandBuffer? = commandBuffer
        var submitInfo = VkSubmitInfo()
        submitInfo.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO
        submitInfo.commandBufferCount = 1
        try withUnsafePointer(to: &cb) { cbp in
            submitInfo.pCommandBuffers = cbp
            try queueLock.withLock { _ in
                try vkCheck(vkQueueSubmit(queue, 1, &submitInfo, fence), "vkQueueSubmit")
            }
        }
    }

    /// Records commands into a one-off command buffer, submits it and waits (uploads, downloads).
    func runImmediately(_ record: (VkCommandBuffer) -> Void) throws {
        try transferLock.withLock { _ in
            let cb = try Self.allocateCommandBuffer(device, pool: transferPool)
            defer {
                var list: VkCommandBuffer? = cb
                vkFreeCommandBuffers(device, transferPool, 1, &list)
            }
            var begin = VkCommandBufferBeginInfo()
            begin.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO
            begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT.rawValue
            try vkCheck(vkBeginCommandBuffer(cb, &begin), "vkBeginCommandBuffer")
            record(cb)
            try vkCheck(vkEndCommandBuffer(cb), "vkEndCommandBuffer")
            let fence = try makeFence()
            defer { vkDestroyFence(device, fence, nil) }
            try submit(cb, fence: fence)
            var f: VkFence? = fence
            try vkCheck(vkWaitForFences(device, 1, &f, VkBool32(VK_TRUE), UInt64.max), "vkWaitForFences")
        }
    }

    /// A command pool of `family` whose command buffers can be reset one by one; `transient`
    /// for short-lived buffers (uploads, downloads).
    static func makeCommandPool(_ device: VkDevice, family: UInt32, transient: Bool) throws -> VkCommandPool {
        var info = VkCommandPoolCreateInfo()
        info.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO
        info.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT.rawValue
            | (transient ? VK_COMMAND_POOL_CREATE_TRANSIENT_BIT.rawValue : 0)
        info.queueFamilyIndex = family
        var pool: VkCommandPool?
        try vkCheck(vkCreateCommandPool(device, &info, nil, &pool), "vkCreateCommandPool")
        guard let pool else { throw MaskstreamError(.vulkan, "vkCreateCommandPool returned nothing") }
        return pool
    }

    /// One primary command buffer from `pool`.
    static func allocateCommandBuffer(_ device: VkDevice, pool: VkCommandPool) throws -> VkCommandBuffer {
        var info = VkCommandBufferAllocateInfo()
        info.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO
        info.commandPool = pool
        info.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY
        info.commandBufferCount = 1
        var cb: VkCommandBuffer?
        try vkCheck(vkAllocateCommandBuffers(device, &info, &cb), "vkAllocateCommandBuffers")
        guard let cb else { throw MaskstreamError(.vulkan, "vkAllocateCommandBuffers returned nothing") }
        return cb
    }

    func makeFence(signaled: Bool = false) throws -> VkFence {
        var fenceInfo = VkFenceCreateInfo()
        fenceInfo.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO
        if signaled { fenceInfo.flags = VK_FENCE_CREATE_SIGNALED_BIT.rawValue }
        var fence: VkFence?
        try vkCheck(vkCreateFence(device, &fenceInfo, nil, &fence), "vkCreateFence")
        guard let fence else { throw MaskstreamError(.vulkan, "vkCreateFence returned nothing") }
        return fence
    }

    /// The compiled pipeline of a kernel, built on first use and cached.
    func pipeline(_ kernel: Kernel) throws -> ComputePipeline {
        if let cached = kernels.withLock({ $0[kernel] }) { return cached }
        let built = try ComputePipeline(device: self, kernel: kernel)
        return kernels.withLock { cache in
            if let raced = cache[kernel] {
                built.destroy(device)
                return raced
            }
            cache[kernel] = built
            return built
        }
    }

    /// Index of a memory type allowed by `typeBits` that has all of `required` flags,
    /// preferring one that also has `preferred`.
    func memoryType(typeBits: UInt32, required: UInt32, preferred: UInt32) -> UInt32? {
        var fallback: UInt32?
        let count = Int(memoryProperties.memoryTypeCount)
        let types = withUnsafeBytes(of: memoryProperties.memoryTypes) { raw in
            Array(raw.bindMemory(to: VkMemoryType.self).prefix(count))
        }
        for (i, type) in types.enumerated() where typeBits & (1 << UInt32(i)) != 0 {
            let flags = type.propertyFlags
            guard flags & required == required else { continue }
            if flags & preferred == preferred { return UInt32(i) }
            if fallback == nil { fallback = UInt32(i) }
        }
        return fallback
    }

    // MARK: - Instance and physical devices

    private static func validationLayerInstalled() -> Bool {
        var count: UInt32 = 0
        guard vkEnumerateInstanceLayerProperties(&count, nil) == VK_SUCCESS, count > 0 else { return false }
        var layers = [VkLayerProperties](repeating: VkLayerProperties(), count: Int(count))
        guard vkEnumerateInstanceLayerProperties(&count, &layers) == VK_SUCCESS else { return false }
        return layers.prefix(Int(count)).contains { layer in
            var name = layer.layerName
            return cString(&name) == "VK_LAYER_KHRONOS_validation"
        }
    }

    /// Whether the Vulkan loader offers API 1.2 (device addresses are core there); the instance
    /// asks for 1.2 when it does, 1.1 otherwise.
    static let instanceVersion12: Bool = {
        var version: UInt32 = 0
        guard vkEnumerateInstanceVersion(&version) == VK_SUCCESS else { return false }
        return CVulkan_API_VERSION_MAJOR(version) > 1 || CVulkan_API_VERSION_MINOR(version) >= 2
    }()

    private static func makeInstance(validation: Bool) throws -> (instance: VkInstance, validation: Bool) {
        let layers = validation ? ["VK_LAYER_KHRONOS_validation"] : []
        let extensions = validation ? ["VK_EXT_debug_utils"] : []
        return try withCStrings(["maskstream"] + layers + extensions) { pointers in
            var app = VkApplicationInfo()
            app.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO
            app.pApplicationName = pointers[0]
            app.applicationVersion = 1
            app.pEngineName = pointers[0]
            app.engineVersion = 1
            app.apiVersion = instanceVersion12 ? CVulkan_MAKE_API_VERSION(0, 1, 2, 0) : CVulkan_MAKE_API_VERSION(0, 1,
                1, 0)
            let layerPtrs = Array(pointers[1 ..< 1 + layers.count])
            let extPtrs = Array(pointers[(1 + layers.count)...])
            var instance: VkInstance?
            try withUnsafePointer(to: &app) { appPtr in
                try layerPtrs.withUnsafeBufferPointer { lp in
                    try extPtrs.withUnsafeBufferPointer { ep in
                        var createInfo = VkInstanceCreateInfo()
                        createInfo.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO
                        createInfo.pApplicationInfo = appPtr
                        createInfo.enabledLayerCount = UInt32(layers.count)
                        createInfo.ppEnabledLayerNames = layers.isEmpty ? nil : lp.baseAddress
                        createInfo.enabledExtensionCount = UInt32(extensions.count)
                        createInfo.ppEnabledExtensionNames = extensions.isEmpty ? nil : ep.baseAddress
                        try vkCheck(vkCreateInstance(&createInfo, nil, &instance), "vkCreateInstance")
                    }
                }
            }
            guard let instance else {
                throw MaskstreamError(.vulkan, "vkCreateInstance returned no instance: install a Vulkan driver")
            }
            return (instance, validation)
        }
    }

    private static func makeMessenger(
        _ instance: VkInstance, monitor: ValidationMonitor
    ) throws -> VkDebugUtilsMessengerEXT {
        guard let raw = vkGetInstanceProcAddr(instance, "vkCreateDebugUtilsMessengerEXT") else {
            throw MaskstreamError(
                .unsupported, "VK_EXT_debug_utils is not available: update the Vulkan loader or run without validation")
        }
        let create = unsafeBitCast(raw, to: PFN_vkCreateDebugUtilsMessengerEXT.self)
        var info = VkDebugUtilsMessengerCreateInfoEXT()
        info.sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT
        info.messageSeverity =
            VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT.rawValue
            | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT.rawValue
        info.messageType =
            VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT.rawValue
            | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT.rawValue
            | VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT.rawValue
        info.pfnUserCallback = validationCallback
        // The monitor outlives the messenger: the device holds both and destroys the messenger first.
        info.pUserData = Unmanaged.passUnretained(monitor).toOpaque()
        var messenger: VkDebugUtilsMessengerEXT?
        try vkCheck(create(instance, &info, nil, &messenger), "vkCreateDebugUtilsMessengerEXT")
        guard let messenger else { throw MaskstreamError(.vulkan, "vkCreateDebugUtilsMessengerEXT returned nothing") }
        return messenger
    }

    private static func destroyMessenger(_ instance: VkInstance, _ messenger: VkDebugUtilsMessengerEXT) {
        guard let raw = vkGetInstanceProcAddr(instance, "vkDestroyDebugUtilsMessengerEXT") else { return }
        let destroy = unsafeBitCast(raw, to: PFN_vkDestroyDebugUtilsMessengerEXT.self)
        destroy(instance, messenger, nil)
    }

    private static func physicalDevices(_ instance: VkInstance) throws -> [VkPhysicalDevice] {
        var count: UInt32 = 0
        try vkCheck(vkEnumeratePhysicalDevices(instance, &count, nil), "vkEnumeratePhysicalDevices")
        var devices = [VkPhysicalDevice?](repeating: nil, count: Int(count))
        try vkCheck(vkEnumeratePhysicalDevices(instance, &count, &devices), "vkEnumeratePhysicalDevices")
        let found = devices.prefix(Int(count)).compactMap { $0 }
        if found.isEmpty {
            throw MaskstreamError(
                .notFound, "no Vulkan device found: install a GPU driver or Mesa lavapipe (mesa-vulkan-drivers)")
        }
        return found
    }

    private static func describe(_ physical: VkPhysicalDevice, index: Int) -> DeviceInfo {
        var props = VkPhysicalDeviceProperties()
        vkGetPhysicalDeviceProperties(physical, &props)
        var subgroup = VkPhysicalDeviceSubgroupProperties()
        subgroup.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES
        var driverProps = VkPhysicalDeviceDriverProperties()
        driverProps.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES
        var props2 = VkPhysicalDeviceProperties2()
        props2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2
        let driverQuery = CVulkan_API_VERSION_MINOR(props.apiVersion) >= 2 || CVulkan_API_VERSION_MAJOR(props.apiVersion) > 1
        withUnsafeMutablePointer(to: &driverProps) { dp in
            withUnsafeMutablePointer(to: &subgroup) { sp in
                if driverQuery { sp.pointee.pNext = UnsafeMutableRawPointer(dp) }
                props2.pNext = UnsafeMutableRawPointer(sp)
                vkGetPhysicalDeviceProperties2(physical, &props2)
            }
        }
        // e.g. "llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6)"; the NVIDIA driver reports its version.
        let driverName = cString(&driverProps.driverName), driverInfo = cString(&driverProps.driverInfo)
        let driver = !driverQuery ? "" : driverInfo.isEmpty ? driverName : "\(driverName): \(driverInfo)"

        var storage16 = VkPhysicalDevice16BitStorageFeatures()
        storage16.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES
        var float16 = VkPhysicalDeviceShaderFloat16Int8Features()
        float16.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES
        let is12 = CVulkan_API_VERSION_MINOR(props.apiVersion) >= 2 || CVulkan_API_VERSION_MAJOR(props.apiVersion) > 1
        var address = VkPhysicalDeviceBufferDeviceAddressFeatures()
        address.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_BUFFER_DEVICE_ADDRESS_FEATURES
        var features2 = VkPhysicalDeviceFeatures2()
        features2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2
        withUnsafeMutablePointer(to: &address) { ap in
            withUnsafeMutablePointer(to: &float16) { fp in
                withUnsafeMutablePointer(to: &storage16) { sp in
                    if is12 {
                        fp.pointee.pNext = UnsafeMutableRawPointer(ap)
                        sp.pointee.pNext = UnsafeMutableRawPointer(fp)
                    }
                    features2.pNext = UnsafeMutableRawPointer(sp)
                    vkGetPhysicalDeviceFeatures2(physical, &features2)
                }
            }
        }
        let fp16 = is12 && float16.shaderFloat16 != 0 && storage16.storageBuffer16BitAccess != 0
        var halfFormat = VkFormatProperties()
        vkGetPhysicalDeviceFormatProperties(physical, VK_FORMAT_R16G16B16A16_SFLOAT, &halfFormat)
        let halfTexels = halfFormat.bufferFeatures & VK_FORMAT_FEATURE_UNIFORM_TEXEL_BUFFER_BIT.rawValue != 0
        let deviceAddress = is12 && Self.instanceVersion12 && address.bufferDeviceAddress != 0

        var mem = VkPhysicalDeviceMemoryProperties()
        vkGetPhysicalDeviceMemoryProperties(physical, &mem)
        let heaps = withUnsafeBytes(of: mem.memoryHeaps) { raw in
            Array(raw.bindMemory(to: VkMemoryHeap.self).prefix(Int(mem.memoryHeapCount)))
        }
        let local = heaps.filter { $0.flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT.rawValue != 0 }.map(\.size).max()
        let memory = local ?? heaps.map(\.size).max() ?? 0

        var name = props.deviceName
        let version = props.apiVersion
        let (major, minor) = (CVulkan_API_VERSION_MAJOR(version), CVulkan_API_VERSION_MINOR(version))
        return DeviceInfo(
            index: index,
            name: cString(&name),
            kind: DeviceKind(props.deviceType),
            apiVersion: "\(major).\(minor).\(CVulkan_API_VERSION_PATCH(version))",
            memoryBytes: memory,
            supportsFP16: fp16,
            subgroupSize: Int(subgroup.subgroupSize),
            maxStorageBufferRange: UInt64(props.limits.maxStorageBufferRange),
            maxSharedMemoryBytes: Int(props.limits.maxComputeSharedMemorySize),
            supportsBufferDeviceAddress: deviceAddress,
            supportsFP16Storage: storage16.storageBuffer16BitAccess != 0,
            supportsFP16Texels: halfTexels,
            driver: driver
        )
    }

    /// Picks a device index for a selection.
    /// The index `selection` picks among `infos` (what `init(selection:)` opens).
    public static func choose(_ infos: [DeviceInfo], selection: DeviceSelection) throws -> Int {
        let listing = infos.map(\.description).joined(separator: "; ")
        switch selection {
        case .automatic:
            guard let best = infos.min(by: { ($0.kind.preferenceRank, $0.index) < ($1.kind.preferenceRank, $1.index) })
            else {
                throw MaskstreamError(.notFound, "no Vulkan device found: install a GPU driver or Mesa lavapipe")
            }
            return best.index
        case .index(let i):
            guard infos.indices.contains(i) else {
                throw MaskstreamError(.notFound, "no Vulkan device with index \(i): available are \(listing)")
            }
            return i
        case .name(let part):
            guard let match = infos.first(where: { $0.name.lowercased().contains(part.lowercased()) }) else {
                throw MaskstreamError(
                    .notFound, "no Vulkan device whose name contains '\(part)': available are \(listing)")
            }
            return match.index
        }
    }
}

/// Reads a fixed-size C char array (a tuple imported from C) as a String.
func cString<T>(_ tuple: inout T) -> String {
    withUnsafeBytes(of: &tuple) { raw in
        let bytes = raw.prefix { $0 != 0 }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Calls `body` with C string pointers for `strings`, valid only during the call.
func withCStrings<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) throws -> R) rethrows -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    return try body(copies.map { UnsafePointer($0) })
}
