// swift-tools-version:6.1
import PackageDescription

/// One set of Swift settings for every target (see shared/STYLE.md §10).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .unsafeFlags(["-Ounchecked"], .when(configuration: .release)),
]

/// A test target whose `Fixtures/` folder is copied into its bundle (read through
/// MaskstreamTestSupport's `FixtureFolder`).
func testTargetWithFixtures(_ name: String, dependencies: [Target.Dependency]) -> Target {
    .testTarget(name: name, dependencies: dependencies, resources: [.copy("Fixtures")], swiftSettings: swiftSettings)
}

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
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // C interop: module maps and shims only.
        .systemLibrary(name: "CFFmpeg", path: "Sources/CFFmpeg"),
        .systemLibrary(name: "CVulkan", path: "Sources/CVulkan"),
        .systemLibrary(name: "CHiredis", path: "Sources/CHiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "CMosquitto", path: "Sources/CMosquitto", providers: [.apt(["libmosquitto-dev"])]),

        // Layers, bottom to top. Each imports only layers below it.
        .target(name: "MaskstreamCore", swiftSettings: swiftSettings),
        .target(name: "MaskstreamMedia", dependencies: ["MaskstreamCore", "CFFmpeg"], swiftSettings: swiftSettings),
        .target(name: "MaskstreamMasks", dependencies: ["MaskstreamCore"], swiftSettings: swiftSettings),
        .target(
            name: "MaskstreamEvaluation", dependencies: ["MaskstreamCore", "MaskstreamMasks"],
            swiftSettings: swiftSettings),
        .target(
            name: "MaskstreamGPU",
            dependencies: ["MaskstreamCore", "CVulkan"],
            swiftSettings: swiftSettings,
            plugins: ["ShaderCompiler"]
        ),
        .target(
            name: "MaskstreamModel", dependencies: ["MaskstreamCore", "MaskstreamGPU", "MaskstreamMasks"],
            swiftSettings: swiftSettings, plugins: ["ShaderCompiler"]),
        // Models named by Hugging Face repo id: fetched into the hub cache (sha256 from swift-crypto).
        .target(
            name: "MaskstreamHub",
            dependencies: ["MaskstreamCore", "MaskstreamModel", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings),
        // Broker clients (Redis, MQTT) over Debian's C libraries, and the spooled delivery of broker sinks.
        .target(
            name: "MaskstreamBrokers", dependencies: ["MaskstreamCore", "CHiredis", "CMosquitto"],
            swiftSettings: swiftSettings),
        .target(
            name: "MaskstreamTracking", dependencies: ["MaskstreamCore", "MaskstreamMasks"],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "MaskstreamTrackEval", dependencies: ["MaskstreamTracking"], swiftSettings: swiftSettings),
        .target(
            name: "MaskstreamPipeline",
            dependencies: [
                "MaskstreamCore", "MaskstreamMedia", "MaskstreamMasks", "MaskstreamGPU",
                "MaskstreamModel", "MaskstreamHub", "MaskstreamTracking", "MaskstreamServer", "MaskstreamEvaluation",
                "MaskstreamBrokers",
                .product(name: "Yams", package: "Yams"), .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MaskstreamServer",
            dependencies: [
                "MaskstreamCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The live viewer's page (HTML, JS, CSS), served at / (no CDN, no build step).
            resources: [.copy("Viewer")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "MaskstreamCLI",
            dependencies: [
                "MaskstreamPipeline", "MaskstreamMedia", "MaskstreamGPU", "MaskstreamEvaluation", "MaskstreamServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        // RLE throughput benchmark (benchmarks/rle_benchmark.py runs it).
        .executableTarget(
            name: "RLEBenchmark", dependencies: ["MaskstreamMasks", "MaskstreamEvaluation"],
            path: "benchmarks/RLEBenchmark",
            swiftSettings: swiftSettings),
        // Model forward benchmark driven by benchmarks/model_forward.py.
        .executableTarget(
            name: "EomtBench", dependencies: ["MaskstreamGPU", "MaskstreamModel"], path: "benchmarks/EomtBench",
            swiftSettings: swiftSettings),

        // /metrics render time with many streams (benchmarks/RESULTS.md, metrics).
        .executableTarget(
            name: "MetricsBench", dependencies: ["MaskstreamPipeline"], path: "benchmarks/MetricsBench",
            swiftSettings: swiftSettings),

        // Compiles Shaders/<target>/*.comp to SPIR-V with glslc at build time.
        .plugin(name: "ShaderCompiler", capability: .buildTool(), path: "Plugins/ShaderCompiler"),

        // GPU kernel benchmarks (benchmarks/RESULTS.md, GPU kernels).
        .executableTarget(
            name: "GPUBench", dependencies: ["MaskstreamGPU"], path: "benchmarks/GPUBench",
            swiftSettings: swiftSettings),

        .target(name: "MaskstreamTestSupport", path: "Tests/MaskstreamTestSupport", swiftSettings: swiftSettings),
        .testTarget(name: "MaskstreamCoreTests", dependencies: ["MaskstreamCore"], swiftSettings: swiftSettings),
        testTargetWithFixtures("MaskstreamMediaTests", dependencies: ["MaskstreamMedia", "MaskstreamTestSupport"]),
        testTargetWithFixtures("MaskstreamMasksTests", dependencies: ["MaskstreamMasks", "MaskstreamTestSupport"]),
        testTargetWithFixtures(
            "MaskstreamEvaluationTests", dependencies: ["MaskstreamEvaluation", "MaskstreamTestSupport"]),
        testTargetWithFixtures("MaskstreamGPUTests", dependencies: ["MaskstreamGPU", "MaskstreamTestSupport"]),
        testTargetWithFixtures("MaskstreamModelTests", dependencies: ["MaskstreamModel", "MaskstreamTestSupport"]),
        .testTarget(
            name: "MaskstreamHubTests", dependencies: ["MaskstreamHub", "MaskstreamModel", "MaskstreamTestSupport"],
            swiftSettings: swiftSettings),
        testTargetWithFixtures(
            "MaskstreamTrackingTests", dependencies: ["MaskstreamTracking", "MaskstreamTestSupport"]),
        .testTarget(
            name: "MaskstreamServerTests",
            dependencies: [
                "MaskstreamServer",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MaskstreamBrokersTests", dependencies: ["MaskstreamBrokers", "MaskstreamTestSupport"],
            swiftSettings: swiftSettings),
        testTargetWithFixtures(
            "MaskstreamPipelineTests",
            dependencies: ["MaskstreamPipeline", "MaskstreamEvaluation", "MaskstreamTestSupport"]),
    ]
)
