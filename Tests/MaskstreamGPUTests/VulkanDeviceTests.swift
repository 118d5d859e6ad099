import Testing
@testable import MaskstreamGPU

@Suite struct VulkanDeviceTests {
    @Test func listsAtLeastOneDeviceWithSaneProperties() throws {
        let devices = try VulkanDevice.available()
        #expect(!devices.isEmpty)
        for (i, d) in devices.enumerated() {
            #expect(d.index == i)
            #expect(!d.name.isEmpty)
            #expect(d.subgroupSize > 0 && d.subgroupSize.nonzeroBitCount == 1)
            #expect(d.maxStorageBufferRange >= 1 << 27)
            #expect(d.memoryBytes > 0)
            // Vulkan 1.2 drivers say who they are; lavapipe names its Mesa and LLVM versions.
            if d.kind == .cpu, d.name.hasPrefix("llvmpipe"), d.apiVersion.split(separator: ".").map({ Int($0) ?? 0 })
                .lexicographicallyPrecedes([1, 2]) == false {
                #expect(d.driver.contains("Mesa") && d.driver.contains("LLVM"), "\(d.driver)")
            }
            #expect(d.kernelSummary.hasPrefix("linear \(KernelProfile(device: d).linear)"))
        }
    }

    /// A CPU device without device addresses runs the slower variants and says so once.
    @Test func profileNamesItsFallbacks() {
        var info = Self.infos[0]
        info.supportsBufferDeviceAddress = true
        let full = KernelProfile(device: info)
        #expect(full.fallbacks.isEmpty && full.rowReduction == .lanes && full.linear == .texels)
        info.supportsBufferDeviceAddress = false
        let reduced = KernelProfile(device: info)
        #expect(reduced.rowReduction == .workgroup && reduced.linear == .texels)
        #expect(reduced.fallbacks.count == 1 && reduced.fallbacks[0].contains("bufferDeviceAddress"))
        #expect(KernelProfile(device: Self.infos[2]).fallbacks.isEmpty)
    }

    @Test func sharedDeviceLoadsValidation() throws {
        let device = try TestDevice.get()
        #expect(device.validation != nil)
        try TestDevice.expectNoValidationErrors()
    }

    static let infos: [DeviceInfo] = [
        DeviceInfo(index: 0, name: "llvmpipe (LLVM 15)", kind: .cpu, apiVersion: "1.3.0", memoryBytes: 1, supportsFP16: true,
                   subgroupSize: 8, maxStorageBufferRange: 1 << 27, maxSharedMemoryBytes: 32768),
        DeviceInfo(index: 1, name: "Intel UHD 770", kind: .integratedGPU, apiVersion: "1.3.0", memoryBytes: 1, supportsFP16: true,
                   subgroupSize: 32, maxStorageBufferRange: 1 << 27, maxSharedMemoryBytes: 32768),
        DeviceInfo(index: 2, name: "NVIDIA H100", kind: .discreteGPU, apiVersion: "1.3.0", memoryBytes: 1, supportsFP16: true,
                   subgroupSize: 32, maxStorageBufferRange: 1 << 32, maxSharedMemoryBytes: 49152),
    ]

    @Test(arguments: [
        (DeviceSelection.automatic, 2),
        (.index(0), 0),
        (.name("uhd"), 1),
        (.name("LLVMPIPE"), 0),
        (DeviceSelection(parsing: "1"), 1),
        (DeviceSelection(parsing: "auto"), 2),
        (DeviceSelection(parsing: "h100"), 2),
    ])
    func choosesByPreferenceIndexOrName(selection: DeviceSelection, expected: Int) throws {
        #expect(try VulkanDevice.choose(Self.infos, selection: selection) == expected)
    }

    @Test(arguments: [DeviceSelection.index(3), .index(-1), .name("radeon")])
    func unknownSelectionThrowsNotFound(selection: DeviceSelection) {
        #expect(throws: MaskstreamError.self) { try VulkanDevice.choose(Self.infos, selection: selection) }
        do {
            _ = try VulkanDevice.choose(Self.infos, selection: selection)
        } catch let error as MaskstreamError {
            #expect(error.code == .notFound)
            #expect(error.message.contains("available are"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func automaticPrefersIntegratedOverCPU() throws {
        #expect(try VulkanDevice.choose(Array(Self.infos.prefix(2)), selection: .automatic) == 1)
    }
}
