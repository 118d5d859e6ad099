import Foundation
import MaskstreamTestSupport

/// Loads a file from the test target's copied `Fixtures/` folder.
enum Fixture: FixtureFolder {
    static var bundle: Bundle { .module }
}
