import Testing
@testable import MaskstreamPipeline

@Test func MaskstreamPipelineLinks() {
    #expect(MaskstreamError(.internal, "x").code == .internal)
}
