// swift-tools-version:6.1
import PackageDescription

/// One set of Swift settings for every target (see shared/STYLE.md §10).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .unsafeFlags(["-Ounchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "maskstream",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "maskstream", targets: ["MaskstreamCLI"]),
        .executable(name: "maskstream-track-eval", targets: ["MaskstreamTrackEval"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
    ],
    targets: [
        // C interop: module maps and shims only.
        .systemLibrary(name: "CFFmpeg", path: "Sources/CFFmpeg"),
        .systemLibrary(name: "CVulkan", path: "Sources/CVulkan"),

        // Layers, bottom to top. Each imports only layers below it.
        .target(name: "MaskstreamCore", swiftSettings: swiftSettings),
        .target(name: "MaskstreamMedia", dependencies: ["MaskstreamCore", "CFFmpeg"], swiftSettings: swiftSettings),
        .target(name: "MaskstreamMasks", dependencies: ["MaskstreamCore"], swiftSettings: swiftSettings),
        .target(
            name: "MaskstreamGPU",
            dependencies: ["MaskstreamCore", "CVulkan"],
            swiftSettings: swiftSettings,
            plugins: ["ShaderCompiler"]
        ),
        .target(name: "MaskstreamModel", dependencies: ["MaskstreamCore", "MaskstreamGPU", "MaskstreamMasks"], swiftSettings: swiftSettings),
        .target(name: "MaskstreamTracking", dependencies: ["MaskstreamCore", "MaskstreamMasks"], swiftSettings: swiftSettings),
        .executableTarget(name: "MaskstreamTrackEval", dependencies: ["MaskstreamTracking"], swiftSettings: swiftSettings),
        .target(
            name: "MaskstreamPipeline",
            dependencies: [
                "MaskstreamCore", "MaskstreamMedia", "MaskstreamMasks", "MaskstreamGPU",
                "MaskstreamModel", "MaskstreamTracking",
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "MaskstreamCLI",
            dependencies: [
                "MaskstreamPipeline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        // Compiles Shaders/*.comp to SPIR-V with glslc at build time.
        .plugin(name: "ShaderCompiler", capability: .buildTool(), path: "Plugins/ShaderCompiler"),

        .testTarget(name: "MaskstreamCoreTests", dependencies: ["MaskstreamCore"], swiftSettings: swiftSettings),
        .testTarget(name: "MaskstreamMediaTests", dependencies: ["MaskstreamMedia"], resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(name: "MaskstreamMasksTests", dependencies: ["MaskstreamMasks"], resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(name: "MaskstreamGPUTests", dependencies: ["MaskstreamGPU"], resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(name: "MaskstreamModelTests", dependencies: ["MaskstreamModel"], resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(name: "MaskstreamTrackingTests", dependencies: ["MaskstreamTracking"], resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(name: "MaskstreamPipelineTests", dependencies: ["MaskstreamPipeline"], resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
    ]
)
