import Testing
@testable import MaskstreamCore

@Suite struct MaskstreamErrorTests {
    @Test func descriptionNamesCodeAndMessage() {
        let error = MaskstreamError(.notFound, "input 'x.mp4' does not exist")
        #expect(error.description == "notFound: input 'x.mp4' does not exist")
        #expect(error.code == .notFound)
    }

    @Test(arguments: [(Int64(3), Rational(1, 30), 0.1), (Int64(90000), Rational(1, 90000), 1.0), (Int64(5), Rational(1, 0), 0.0)])
    func timestampSeconds(pts: Int64, base: Rational, seconds: Double) {
        #expect(abs(Timestamp(pts: pts, timeBase: base).seconds - seconds) < 1e-12)
    }
}
