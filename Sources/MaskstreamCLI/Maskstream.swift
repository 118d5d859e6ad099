import ArgumentParser
import MaskstreamPipeline

@main
struct Maskstream: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maskstream",
        abstract: "Video instance segmentation with stable track IDs, on Vulkan.",
        subcommands: []
    )
}
