import Testing
@testable import MaskstreamModel

@Test func MaskstreamModelLinks() {
    #expect(MaskstreamError(.internal, "x").code == .internal)
}
