import Foundation
import PackagePlugin

/// Compiles a target's GLSL compute shaders, `Shaders/<target name>/*.comp`, to SPIR-V with
/// `glslc`, so the target reads them through its own `Bundle.module` at run time (the GPU
/// module's generic kernels in `Shaders/MaskstreamGPU`, the model's in `Shaders/MaskstreamModel`).
/// `Shaders/*.glsl` are shared includes.
///
/// `context.tool(named:)` does not see system tools on Linux, so `glslc` is looked up
/// on `PATH` (and in /usr/bin, /usr/local/bin as a fallback).
@main
struct ShaderCompiler: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) async throws -> [Command] {
        let shaders = context.package.directoryURL.appending(path: "Shaders")
        let own = shaders.appending(path: target.name)
        let glslc = try Self.findGlslc()
        func list(_ dir: URL) -> [URL] {
            (try? FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)) ?? []
        }
        let files = list(own)
        let common = list(shaders).filter { $0.pathExtension == "glsl" }
        return files
            .filter { $0.pathExtension == "comp" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
            .map { source in
                let output = context.pluginWorkDirectoryURL
                    .appending(path: source.deletingPathExtension().lastPathComponent + ".spv")
                return .buildCommand(
                    displayName: "glslc \(source.lastPathComponent)",
                    executable: glslc,
                    arguments: [
                        "--target-env=vulkan1.1", "-O", "-I", shaders.path(),
                        source.path(), "-o", output.path(),
                    ],
                    inputFiles: [source] + common,
                    outputFiles: [output]
                )
            }
    }

    static func findGlslc() throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let dirs = path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"]
        for dir in dirs {
            let candidate = URL(fileURLWithPath: dir).appending(path: "glslc")
            if FileManager.default.isExecutableFile(atPath: candidate.path()) { return candidate }
        }
        throw ShaderCompilerError.glslcNotFound
    }
}

enum ShaderCompilerError: Error, CustomStringConvertible {
    case glslcNotFound
    var description: String {
        "glslc not found on PATH: install it (Debian: apt-get install glslc) and rebuild"
    }
}
