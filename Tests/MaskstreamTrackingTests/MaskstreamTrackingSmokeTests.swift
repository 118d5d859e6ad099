import Testing
@testable import MaskstreamTracking

@Test func MaskstreamTrackingLinks() {
    #expect(MaskstreamError(.internal, "x").code == .internal)
}
