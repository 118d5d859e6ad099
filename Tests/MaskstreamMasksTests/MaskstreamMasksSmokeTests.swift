import Testing
@testable import MaskstreamMasks

@Test func MaskstreamMasksLinks() {
    #expect(MaskstreamError(.internal, "x").code == .internal)
}
