import CMosquitto
import Foundation

/// A connection to one MQTT broker (libmosquitto's `struct mosquitto`), driven by the thread
/// that owns it: ``poll(seconds:)`` runs the network loop and collects publish acks. Not
/// thread-safe: one thread uses it at a time.
///
/// ```swift
/// let mqtt = try MQTTClient(url: url, clientID: "maskstream-1", will: nil)
/// let mid = try mqtt.publish(topic: "maskstream/cam/frames", payload: json, qos: 1, retain: false)
/// let acked = try mqtt.poll(seconds: 0.05)     // message ids the broker acknowledged
/// ```
/// Every failure is a `MaskstreamError` naming the libmosquitto call: `.network` when the broker
/// cannot be reached, refuses the connection or the connection drops (make a new client then).
public final class MQTTClient {
    /// A message the broker publishes for this client when the connection dies uncleanly.
    public struct Will: Sendable {
        public var topic: String
        public var payload: String
        public var retain: Bool
        public init(topic: String, payload: String, retain: Bool) {
            self.topic = topic
            self.payload = payload
            self.retain = retain
        }
    }

    public let url: BrokerURL
    private let handle: OpaquePointer
    private let events = Events()

    /// What libmosquitto's callbacks report, read by the owning thread after each loop.
    private final class Events {
        var connack: Int32?
        var disconnected = false
        var acked: [Int32] = []
    }

    private static let libraryReady: Void = { _ = mosquitto_lib_init() }()

    /// Connects and waits for the broker's CONNACK (at most `timeout` seconds).
    public init(url: BrokerURL, clientID: String, will: Will?, keepalive: Int = 10, timeout: Double = 2) throws {
        _ = Self.libraryReady
        self.url = url
        guard let m = mosquitto_new(clientID, true, Unmanaged.passUnretained(events).toOpaque()) else {
            throw MaskstreamError(.network, "mosquitto_new for \(url) failed: \(String(cString: strerror(errno)))")
        }
        handle = m
        mosquitto_connect_callback_set(m) { _, obj, rc in
            guard let obj else { return }
            Unmanaged<Events>.fromOpaque(obj).takeUnretainedValue().connack = rc
        }
        mosquitto_disconnect_callback_set(m) { _, obj, _ in
            guard let obj else { return }
            Unmanaged<Events>.fromOpaque(obj).takeUnretainedValue().disconnected = true
        }
        mosquitto_publish_callback_set(m) { _, obj, mid in
            guard let obj else { return }
            Unmanaged<Events>.fromOpaque(obj).takeUnretainedValue().acked.append(mid)
        }
        if let user = url.user {
            try check(mosquitto_username_pw_set(m, user, url.password), "mosquitto_username_pw_set")
        }
        if let will {
            let bytes = Array(will.payload.utf8)
            try check(mosquitto_will_set(m, will.topic, Int32(bytes.count), bytes, 1, will.retain),
                      "mosquitto_will_set")
        }
        try check(mosquitto_connect(m, url.host, Int32(url.port), Int32(keepalive)), "mosquitto_connect",
                  hint: ": check that an MQTT broker listens there "
                      + "(mosquitto_sub -h \(url.host) -p \(url.port) -t '#')")
        let deadline = Date().addingTimeInterval(timeout)
        while events.connack == nil {
            guard Date() < deadline else {
                throw MaskstreamError(.network, "mosquitto_connect to \(url): no CONNACK within \(timeout) s")
            }
            _ = try poll(seconds: 0.05)
        }
        if let rc = events.connack, rc != 0 {
            let why = String(cString: mosquitto_connack_string(rc))
            throw MaskstreamError(.network, "mosquitto_connect to \(url) refused: \(why)")
        }
    }

    deinit { mosquitto_destroy(handle) }

    /// Queues a message; returns its message id (acknowledged later through ``poll(seconds:)``
    /// for QoS 1).
    @discardableResult
    public func publish(topic: String, payload: String, qos: Int32, retain: Bool) throws -> Int32 {
        var mid: Int32 = 0
        let bytes = Array(payload.utf8)
        try check(mosquitto_publish(handle, &mid, topic, Int32(bytes.count), bytes, qos, retain), "mosquitto_publish")
        return mid
    }

    /// Runs the network loop for up to `seconds` (reads, writes, keepalive) and returns the ids
    /// of the messages the broker acknowledged since the last call.
    /// - Throws: `.network` when the connection is lost.
    public func poll(seconds: Double) throws -> [Int32] {
        let rc = mosquitto_loop(handle, Int32(max(0, seconds * 1000)), 1)
        let acked = events.acked
        events.acked.removeAll()
        if events.disconnected { throw MaskstreamError(.network, "mosquitto_loop on \(url) failed: connection lost") }
        try check(rc, "mosquitto_loop")
        return acked
    }

    /// Disconnects cleanly (the broker does not publish the will).
    public func disconnect() {
        _ = mosquitto_disconnect(handle)
        _ = mosquitto_loop(handle, 0, 1)
    }

    private func check(_ rc: Int32, _ call: String, hint: String = "") throws {
        guard rc != CMosquitto_ERR_SUCCESS() else { return }
        let why = rc == CMosquitto_ERR_ERRNO()
            ? String(cString: strerror(errno)) : String(cString: mosquitto_strerror(rc))
        throw MaskstreamError(.network, "\(call) on \(url) failed: \(why)\(hint)")
    }
}
