import Foundation
import PackagePlugin

/// Compiles every `Shaders/*.comp` GLSL compute shader of the package to SPIR-V with
/// `glslc`, so the GPU target reads them through `Bundle.module` at run time.
///
/// `context.tool(named:)` does not see system tools on Linux, so `glslc` is looked up
/// on `PATH` (and in /usr/bin, /usr/local/bin as a fallback).
@main
struct ShaderCompiler: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) async throws -> [Command] {
        let shaders = context.package.directoryURL.appending(path: "Shaders")
        let glslc = try Self.findGlslc()
        let files = (try? FileManager.default.contentsOfDirectory(at: shaders, includingPropertiesForKeys: nil)) ?? []
        let common = files.filter { $0.pathExtension == "glsl" }
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
