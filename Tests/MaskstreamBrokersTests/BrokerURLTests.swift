import Testing
@testable import MaskstreamBrokers

struct BrokerURLTests {
    @Test(arguments: [
        ("redis://127.0.0.1:6380", BrokerURL.Scheme.redis, "127.0.0.1", 6380, 0, nil as String?),
        ("redis://cache", .redis, "cache", 6379, 0, nil),
        ("redis://:secret@cache:7000/3", .redis, "cache", 7000, 3, "secret"),
        ("mqtt://broker.local", .mqtt, "broker.local", 1883, 0, nil),
        ("mqtt://user:pw@10.0.0.2:1884", .mqtt, "10.0.0.2", 1884, 0, "pw"),
    ])
    func parses(text: String, scheme: BrokerURL.Scheme, host: String, port: Int, db: Int, password: String?) throws {
        let url = try BrokerURL(text, scheme: scheme)
        #expect(url.host == host)
        #expect(url.port == port)
        #expect(url.database == db)
        #expect(url.password == password)
        #expect(!url.description.contains("secret") && !url.description.contains(":pw"), "logs hide passwords")
    }

    @Test(arguments: [
        ("redis:/nohost", BrokerURL.Scheme.redis, "names no host"),
        ("http://127.0.0.1:6379", .redis, "uses 'http://'"),
        ("redis://127.0.0.1:6379/x", .redis, "not a database number"),
        ("redis://127.0.0.1:99999", .redis, ""),
        ("mqtt://broker/topic", .mqtt, "has a path"),
        ("mqtt://broker?x=1", .mqtt, "query"),
        ("not a url at all", .mqtt, ""),
        ("redis://127.0.0.1:6379", .mqtt, "uses 'redis://'"),
    ])
    func malformedIsAConfigError(text: String, scheme: BrokerURL.Scheme, why: String) {
        #expect {
            try BrokerURL(text, scheme: scheme)
        } throws: { error in
            guard let e = error as? MaskstreamError else { return false }
            return e.code == .config && e.message.contains(why) && e.message.contains(scheme.example)
        }
    }
}
