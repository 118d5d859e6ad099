import Testing
@testable import MaskstreamGPU

@Test func MaskstreamGPULinks() {
    #expect(MaskstreamError(.internal, "x").code == .internal)
}
