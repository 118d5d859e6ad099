import Foundation

/// A test target's copied `Fixtures/` folder (`resources: [.copy("Fixtures")]`).
///
/// ```swift
/// enum Fixture: FixtureFolder {
///     static var bundle: Bundle { .module }
/// }
/// let cases = try Fixture.decode([Case].self, "cases.json")
/// ```
public protocol FixtureFolder {
    /// The test target's resource bundle (`Bundle.module`).
    static var bundle: Bundle { get }
}

extension FixtureFolder {
    /// The URL of a file in the folder.
    public static func url(_ name: String) throws -> URL {
        guard let base = bundle.url(forResource: "Fixtures", withExtension: nil) else {
            throw TestFailure(
                "no Fixtures folder in \(bundle.bundlePath): copy it with resources: [.copy(\"Fixtures\")]")
        }
        return base.appendingPathComponent(name)
    }

    /// The contents of a file in the folder.
    public static func data(_ name: String) throws -> Data {
        try Data(contentsOf: url(name))
    }

    /// A JSON file in the folder, decoded.
    public static func decode<T: Decodable>(_ type: T.Type, _ name: String) throws -> T {
        try JSONDecoder().decode(T.self, from: data(name))
    }
}
