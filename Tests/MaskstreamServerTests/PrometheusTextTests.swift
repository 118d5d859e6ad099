import MaskstreamServer
import Testing

@Suite struct PrometheusTextTests {
    @Test(arguments: [
        (0.0, "0"), (42.0, "42"), (-7.0, "-7"), (0.25, "0.25"), (0.0025, "0.0025"),
        (1e-05, "1e-05"), (1e20, "1e+20"), (Double.infinity, "+Inf"), (-Double.infinity, "-Inf"),
        (Double.nan, "NaN"),
    ])
    func formatsValues(value: Double, expected: String) {
        #expect(PrometheusText.format(value) == expected)
    }

    @Test func rendersHistogramExactlyWithCumulativeBuckets() {
        let histogram = LatencyHistogram(buckets: [0.01, 0.1, 1])
        for v in [0.005, 0.005, 0.05, 0.5, 2.0] { histogram.observe(v) }
        var text = PrometheusText()
        text.histogram("maskstream_stage_latency_seconds", histogram.snapshot(), labels: ["stage": "infer"], help: "Per-stage latency.")
        #expect(text.render() == """
            # HELP maskstream_stage_latency_seconds Per-stage latency.
            # TYPE maskstream_stage_latency_seconds histogram
            maskstream_stage_latency_seconds_bucket{stage="infer",le="0.01"} 2
            maskstream_stage_latency_seconds_bucket{stage="infer",le="0.1"} 3
            maskstream_stage_latency_seconds_bucket{stage="infer",le="1"} 4
            maskstream_stage_latency_seconds_bucket{stage="infer",le="+Inf"} 5
            maskstream_stage_latency_seconds_sum{stage="infer"} 2.56
            maskstream_stage_latency_seconds_count{stage="infer"} 5

            """)
    }

    @Test func groupsSamplesByFamilyWithOneHelpAndType() {
        var text = PrometheusText()
        text.counter("maskstream_frames_total", 10, labels: ["source": "cam0"], help: "Frames processed.")
        text.gauge("maskstream_fps", 29.5, help: "Frames per second.")
        text.counter("maskstream_frames_total", 3, labels: ["source": "cam1"], help: "ignored: first help wins")
        let empty = LatencyHistogram(buckets: [1])
        text.histogram("maskstream_wait_seconds", empty.snapshot(), help: "Wait.")
        #expect(text.render() == """
            # HELP maskstream_frames_total Frames processed.
            # TYPE maskstream_frames_total counter
            maskstream_frames_total{source="cam0"} 10
            maskstream_frames_total{source="cam1"} 3
            # HELP maskstream_fps Frames per second.
            # TYPE maskstream_fps gauge
            maskstream_fps 29.5
            # HELP maskstream_wait_seconds Wait.
            # TYPE maskstream_wait_seconds histogram
            maskstream_wait_seconds_bucket{le="1"} 0
            maskstream_wait_seconds_bucket{le="+Inf"} 0
            maskstream_wait_seconds_sum 0
            maskstream_wait_seconds_count 0

            """)
    }

    @Test func escapesLabelValuesAndHelpAndSanitizesNames() {
        var text = PrometheusText()
        text.gauge("9bad-name.x", 1, labels: ["z": "b", "a-b": "q\"uo\\te\nline"], help: "two\nlines \\ back")
        #expect(text.render() == """
            # HELP _bad_name_x two\\nlines \\\\ back
            # TYPE _bad_name_x gauge
            _bad_name_x{a_b="q\\"uo\\\\te\\nline",z="b"} 1

            """)
    }

    @Test func emptyBuilderRendersNothing() {
        #expect(PrometheusText().render() == "")
    }
}
