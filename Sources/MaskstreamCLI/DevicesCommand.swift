import ArgumentParser
import Foundation
import MaskstreamGPU

extension Maskstream {
    struct Devices: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the Vulkan devices; '*' marks the one 'auto' picks.",
            discussion: "Example: maskstream devices --json")

        @Flag(help: "Print JSON instead of a table.") var json = false

        func run() throws {
            do {
                let devices = try VulkanDevice.available()
                guard !devices.isEmpty else {
                    throw MaskstreamError(.notFound, "no Vulkan device found: install a GPU driver or Mesa's lavapipe (apt-get install mesa-vulkan-drivers)")
                }
                let picked = try? VulkanDevice.choose(devices, selection: .automatic)
                if json {
                    let rows: [[String: Any]] = devices.map { d in
                        ["index": d.index, "name": d.name, "type": d.kind.rawValue, "memory_bytes": d.memoryBytes,
                         "fp16": d.supportsFP16, "subgroup_size": d.subgroupSize, "api_version": d.apiVersion,
                         "max_storage_buffer_range": d.maxStorageBufferRange, "auto": d.index == picked,
                         "driver": d.driver, "kernels": d.kernelSummary]
                    }
                    let data = try JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys])
                    print(String(decoding: data, as: UTF8.self))
                } else {
                    print("  #  type         memory     fp16  subgroup  api      name")
                    for d in devices {
                        let mark = d.index == picked ? "*" : " "
                        let mem = String(format: "%.1f GiB", Double(d.memoryBytes) / 1_073_741_824)
                        let cells = [mark + String(format: " %2d", d.index), d.kind.rawValue.padded(11), mem.padded(9),
                                     (d.supportsFP16 ? "yes" : "no").padded(4), String(d.subgroupSize).padded(8), d.apiVersion.padded(7), d.name]
                        print(cells.joined(separator: "  "))
                    }
                    for d in devices {
                        print("")
                        print("  \(d.index): driver \(d.driver.isEmpty ? "unknown" : d.driver)")
                        print("     kernels \(d.kernelSummary)")
                    }
                }
            } catch { throw fail(error) }
        }
    }
}

extension String {
    /// Left-aligned in a column of `width` characters.
    func padded(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
