import Foundation
import Testing
import MaskstreamTestSupport
@testable import MaskstreamBrokers

/// libmosquitto behind our wrapper, against a real mosquitto on a free loopback port.
@Suite(.serialized, .timeLimit(.minutes(3))) struct MQTTClientTests {
    @Test func publishesAtQoS1AndCollectsAcks() throws {
        let broker = try MosquittoTestServer()
        try broker.start()
        let subscriber = try MQTTTestSubscriber(broker: broker, topic: "maskstream/t/frames")
        let client = try MQTTClient(url: BrokerURL(broker.url, scheme: .mqtt), clientID: "t-pub", will: nil)
        var mids = Set<Int32>()
        for i in 0..<20 {
            mids.insert(try client.publish(topic: "maskstream/t/frames", payload: "m\(i)", qos: 1, retain: false))
        }
        var acked = Set<Int32>()
        let deadline = Date().addingTimeInterval(10)
        while acked != mids, Date() < deadline { acked.formUnion(try client.poll(seconds: 0.05)) }
        #expect(acked == mids, "every QoS 1 publish is acknowledged")
        client.disconnect()
        while subscriber.payloads().count < 20, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(subscriber.payloads() == (0..<20).map { "m\($0)" })
    }

    /// A client that dies without DISCONNECT: the broker publishes its retained will.
    @Test func willIsPublishedWhenTheClientDies() throws {
        let broker = try MosquittoTestServer()
        try broker.start()
        do {
            let client = try MQTTClient(url: BrokerURL(broker.url, scheme: .mqtt), clientID: "t-will",
                                        will: .init(topic: "maskstream/w/state", payload: "offline", retain: true))
            _ = try client.poll(seconds: 0.05)
        }  // deinit: mosquitto_destroy closes the socket without DISCONNECT
        var state: String?
        let deadline = Date().addingTimeInterval(10)
        while state == nil, Date() < deadline { state = try broker.retained("maskstream/w/state") }
        #expect(state == "offline")
    }

    @Test func unreachableBrokerIsANetworkErrorNamingTheCall() throws {
        let port = TestMedia.freePort()
        #expect {
            try MQTTClient(url: BrokerURL("mqtt://127.0.0.1:\(port)", scheme: .mqtt), clientID: "t-x", will: nil)
        } throws: { error in
            let e = error as? MaskstreamError
            return e?.code == .network && e?.message.contains("mosquitto_connect") == true
        }
    }
}
