import ServiceLifecycle

/// Lets a `ServiceGroup` own the server: it runs until the group shuts down gracefully
/// (SIGINT/SIGTERM or `triggerGracefulShutdown()`), or is cancelled.
///
/// ```swift
/// let server = LiveStreamServer(port: 8765) { metrics.render() }
/// let group = ServiceGroup(configuration: .init(services: [server, pipeline],
///                                               gracefulShutdownSignals: [.sigint, .sigterm], logger: logger))
/// try await group.run()
/// ```
extension LiveStreamServer: Service {
    /// Starts the server (see ``start()``), waits for graceful shutdown or cancellation,
    /// then shuts it down (see ``shutdown()``).
    ///
    /// - Throws: what ``start()`` throws.
    public func run() async throws {
        _ = try await start()
        try? await gracefulShutdown()
        await shutdown()
    }
}
