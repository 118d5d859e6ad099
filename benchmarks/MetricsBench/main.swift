// /metrics render time with many streams (issue #19 goal: < 5 ms with 16 streams).
//
//   swift build -c release --product MetricsBench
//   $(swift build -c release --show-bin-path)/MetricsBench [streams] [scrapes]
//
// Fills one PipelineMetrics as a pipeline would (per-stream records with instances of three
// classes and several tracks, colour histograms, stage latencies), then times `render()`.
import Foundation
import MaskstreamPipeline

let args = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let streams = args.first ?? 16
let scrapes = args.count > 1 ? args[1] : 500
let labels = ["person", "car", "dog"]
let metrics = PipelineMetrics()
let (width, height) = (640, 360)
let rgb: [UInt8] = (0..<(width * height * 3)).map { (i: Int) -> UInt8 in
    UInt8(truncatingIfNeeded: (i &* 2654435761) >> 13)
}
let mask = try RLE(height: height, width: width, counts: [20_000, 5_000, UInt32(height * width - 25_000)])
for frame in 0..<60 {
    for source in 0..<streams {
        metrics.observeInput(source: source, rgb: rgb, width: width, height: height)
        var instances: [InstanceRecord] = []
        for i in 0..<6 {
            let track: Int = source * 100 + i + frame / 20 * 6
            let score: Double = 0.5 + Double(i) / 20
            instances.append(InstanceRecord(trackId: track, categoryId: i % 3 + 1, label: labels[i % 3], score: score,
                                            bbox: [0, 0, 10, 10], segmentation: mask))
        }
        let time = Timestamp(pts: Int64(frame), timeBase: Rational(1, 25))
        let record = FrameRecord(source: source, frame: frame, timestamp: time, width: width, height: height,
                                 instances: instances)
        metrics.observeRecord(record, ageSeconds: 0.04 + Double(frame % 7) / 100)
        metrics.observeRecordAge(seconds: 0.05)
        metrics.frameDone(instances: instances.count)
    }
    for stage in PipelineMetrics.Stage.allCases { metrics.observe(stage, seconds: 0.002 * Double(frame % 5 + 1)) }
}
var bytes = 0
for _ in 0..<20 { bytes = metrics.render().utf8.count }  // warm-up
var times: [Double] = []
for _ in 0..<scrapes {
    let t0 = DispatchTime.now().uptimeNanoseconds
    bytes = metrics.render().utf8.count
    times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
}
times.sort()
let median = times[times.count / 2]
let p95 = times[min(times.count - 1, times.count * 95 / 100)]
print(String(format: "streams %d  scrapes %d  body %d bytes  render median %.3f ms  p95 %.3f ms  max %.3f ms",
             streams, scrapes, bytes, median, p95, times.last ?? 0))
