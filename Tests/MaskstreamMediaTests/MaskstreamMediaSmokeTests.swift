import Testing
@testable import MaskstreamMedia

@Test func MaskstreamMediaLinks() {
    #expect(MaskstreamError(.internal, "x").code == .internal)
}
