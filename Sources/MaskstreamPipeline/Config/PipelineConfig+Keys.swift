import Foundation

/// The key table: every key a pipeline YAML may set, declared once. The parser reads these
/// tables, `--set KEY=VALUE` and the named command-line options go through them, and
/// README's key list is ``keyTableMarkdown()`` (a test keeps the two equal).
extension PipelineConfig {
    /// The sections besides the top-level scalar keys.
    static let sectionNames = ["sources", "model", "tracker", "sinks", "server", "shadow", "viewer", "capture"]

    static let topKeys: [ConfigKey<PipelineConfig>] = [
        .integer("queue_depth", \.queueDepth, 1...256,
                 "Frames queued between stages (file sources block when it is full; nothing is dropped)."),
    ]

    static let sourceKeys: [ConfigKey<Source>] = [
        .string("url", \.url, required: true,
                "A video file; a folder, glob (`frames/*.png`) or pattern (`frames/%05d.jpg`) of images; "
                + "`-` (standard input); a V4L2 camera (`/dev/video0`); or a network stream (rtsp://…)."),
        .string("name", \.name,
                "The stream's name in `/streams` and in redis/mqtt keys and topics (letters, digits, `-`, `_`, `.`; "
                + "default: its index, which `--shard` renumbers: name sharded live cameras)."),
        .number("open_timeout", \.open.openTimeout, NumberRange(0.1...3600), "Seconds allowed to open the source."),
        .number("read_timeout", \.open.readTimeout, NumberRange(0.1...3600),
                "Seconds without data before a live stream counts as stalled."),
        .integer("live_buffer", \.liveBuffer, 1...1000,
                 "Frames kept for a live source when behind; the oldest is dropped (counted)."),
        .integer("max_frames", \.maxFrames, 1...Int.max, "Process at most this many frames (default: all)."),
        .integer("reconnect_attempts", \.reconnect.maxAttempts, 1...Int.max,
                 "Failed connection attempts in a row before a live source gives up (default: never)."),
        .number("reconnect_max_delay", \.reconnect.maxDelay, NumberRange(0.1...3600),
                "Ceiling in seconds on the backoff between reconnection attempts (±20 % jitter)."),
        .number("fps", \.fps, NumberRange(0.001...1000),
                "Frame rate of an image sequence: image i is at i/fps s (time base 1/fps). Videos keep their own."),
    ]

    static let modelKeys: [ConfigKey<Model>] = [
        .string("path", \.path, required: true,
                "An EomtForUniversalSegmentation folder, or a Hugging Face repo id: org/name[@revision]."),
        .string("device", \.device, "Vulkan device: auto, an index, or a name substring (`maskstream devices`)."),
        .number("threshold", \.threshold, .unit,
                "Emit threshold on score (class prob × mask score): a tracked instance is emitted once its track "
                + "has scored this (then in its low-score frames too); with `tracker: off`, an instance scoring this."),
        .integer("top_k", \.topK, 1...10_000, "At most this many instances per frame (default: all)."),
        .integer("category_id_offset", \.categoryIdOffset, 0...1_000_000,
                 "Added to the model's class index to give category_id (COCO ids start at 1)."),
        .integer("frames_in_flight", \.framesInFlight, SegmenterOptions.framesInFlightRange,
                 "Batches on the device at once (1 disables the overlap)."),
        .integer("batch", \.batch, SegmenterOptions.batchRange,
                 "At most this many queued frames, of any sources, go through one forward pass together (a batch "
                 + "dimension; results as one by one). Default: one per source, at most 8."),
        .choice("precision", \.precision, noun: "precision",
                "Linear weights on the device: fp32 (logits match transformers); fp16 (half the weight memory, "
                + "fp32 sums; a config error where the device's kernels cannot read fp16); auto: fp16 when the "
                + "checkpoint is all F16 (nothing rounded) and the device reads it, else fp32."),
    ]

    static let sinkKeys: [ConfigKey<Sink>] = [
        .choice("type", \.kind, required: true, noun: "sink type",
                "jsonl: JSON Lines; mots: MOTS txt; ytvis: YouTube-VIS JSON; ts: MPEG-TS + KLV track; "
                + "video: annotated H.264; websocket: records on the server's /ws; redis: a Redis Stream per "
                + "source; mqtt: MQTT topics per source."),
        .string("path", \.path,
                "Output file; `-` is standard output (jsonl). Every sink but websocket, redis and mqtt needs one."),
        .choice("video", \.video, noun: "ts video mode",
                "ts only: auto copies H.264/HEVC/MPEG-2 and re-encodes other codecs (VP9, AV1, MJPEG, …) to H.264; "
                + "copy refuses those at startup; encode always re-encodes."),
        .string("url", \.url,
                "redis and mqtt only, required: the broker, `redis://[:password@]host[:port][/db]` or "
                + "`mqtt://[user[:password]@]host[:port]`. Unreachable at start or later: records are spooled "
                + "and the sink keeps reconnecting."),
        .string("stream", \.stream,
                "redis and mqtt: the stream's name in `maskstream:<stream>` (Redis key) and "
                + "`maskstream/<stream>/frames`, `…/state` (MQTT topics); default: the source's index; with "
                + "several sources, `<stream>-<index>`."),
        .integer("spool", \.spool, 1...10_000_000,
                 "redis and mqtt: records kept per stream while the broker is unreachable, delivered in order "
                 + "after reconnecting; past it the oldest are dropped and counted."),
        .integer("maxlen", \.maxLength, 1...Int.max,
                 "redis: the stream's length cap, `XADD … MAXLEN ~ maxlen` (approximate, as Redis trims)."),
        .number("drain_timeout", \.drainTimeout, NumberRange(0...3600),
                "redis and mqtt: seconds the end of a run waits for spooled records to reach the broker "
                + "(the rest are counted as dropped)."),
    ]

    static let shadowKeys: [ConfigKey<Shadow>] = [
        .string("path", \.path, required: true,
                "A second model (folder or hub id) compared with the primary, never emitted: mask IoU of matched "
                + "instances, class agreement, score shift, count difference (metrics `maskstream_shadow_*`)."),
        .integer("every", \.every, 1...100_000, "Run it on every N-th frame of each source."),
        .string("device", \.device, "Its Vulkan device (default: the primary's `model.device`)."),
        .string("report", \.report, "Also write one JSON line per compared frame here."),
    ]

    static let captureKeys: [ConfigKey<Capture>] = [
        .string("path", \.path, required: true,
                "Folder of a COCO dataset of uncertain frames for labeling: `images/`, `annotations.json` (the "
                + "predicted masks as RLE; CVAT and Label Studio import it)."),
        .integer("budget_per_hour", \.budgetPerHour, 1...1_000_000, "Frames kept per hour of each source's video (bursts of up to a minute's share)."),
        .number("score_margin", \.scoreMargin, .unit,
                "An instance scoring within this of `model.threshold` makes its frame uncertain (0: off)."),
        .number("min_mask_score", \.minMaskScore, .unit,
                "A tracked instance whose mask score (mean mask probability) is below this makes its frame "
                + "uncertain (0: off; needs the tracker)."),
        .boolean("births", \.births, "Keep frames where a track starts."),
        .boolean("deaths", \.deaths, "Keep frames where a track stops being seen."),
        .number("drift", \.drift, .unit, "Keep frames whose input drift (colour JSD, bits) reaches this (1: off)."),
        .number("min_gap", \.minGap, NumberRange(0...86_400), "Seconds of video between two kept frames of a source."),
        .integer("quality", \.quality, 1...100, "JPEG quality of the kept images."),
    ]

    static let serverKeys: [ConfigKey<Server>] = [
        .string("host", \.host, "Interface the server binds (`/metrics`, `/ws`, `/healthz`, `/streams`)."),
        .integer("port", \.port, 0...65535, "TCP port; 0 picks a free one."),
        .string("api_token", \.apiToken,
                "Bearer token `/streams` and `/model` require (`Authorization: Bearer …`; default: "
                + "$MASKSTREAM_API_TOKEN); a host beyond loopback needs one."),
        .boolean("keep_running", \.keepRunning,
                 "Keep running (until SIGINT/SIGTERM) when every source has ended: streams come and go through "
                 + "`POST/DELETE /streams`; `sources` may then be empty."),
    ]

    static let viewerKeys: [ConfigKey<Viewer>] = [
        .number("fps", \.fps, NumberRange(0.1...60),
                "Most JPEG frames a second per stream sent to the live viewer at `/` "
                + "(`viewer:` or `--view` serves it)."),
        .integer("quality", \.quality, 1...100, "JPEG quality of the viewer's frames (1 smallest … 100 best)."),
    ]

    /// Every key, in README's order.
    public static var keyTable: [ConfigKeyDoc] {
        var rows: [ConfigKeyDoc] = []
        rows += sourceKeys.map { ConfigKeyDoc(prefix: "sources[].", $0, defaults: Source()) }
        rows += modelKeys.map { ConfigKeyDoc(prefix: "model.", $0, defaults: Model()) }
        let tracker = TrackerConfig()
        rows.append(ConfigKeyDoc(key: "tracker", type: "mapping \\| off", defaultValue: "{}",
                                 doc: "The tracker's keys below; `off`: no tracking, no track IDs "
                                     + "(no mots or ytvis sink), instances emitted by score."))
        rows += TrackerConfig.parameters.map { p in
            let type: String = switch p.kind {
            case .number(let r): ConfigValueType.number(r).description
            case .integer(let r): ConfigValueType.integer(r).description
            case .flag: ConfigValueType.boolean.description
            }
            return ConfigKeyDoc(key: "tracker." + ConfigNode.snakeCase(p.key), type: type,
                                defaultValue: p.valueText(tracker), doc: p.doc)
        }
        rows += sinkKeys.map { ConfigKeyDoc(prefix: "sinks[].", $0, defaults: Sink()) }
        rows += serverKeys.map { ConfigKeyDoc(prefix: "server.", $0, defaults: Server()) }
        rows += shadowKeys.map { ConfigKeyDoc(prefix: "shadow.", $0, defaults: Shadow()) }
        rows += captureKeys.map { ConfigKeyDoc(prefix: "capture.", $0, defaults: Capture()) }
        rows += viewerKeys.map { ConfigKeyDoc(prefix: "viewer.", $0, defaults: Viewer()) }
        rows += topKeys.map { ConfigKeyDoc(prefix: "", $0, defaults: PipelineConfig()) }
        return rows
    }

    /// The key table as the Markdown table README holds.
    public static func keyTableMarkdown() -> String {
        var lines = ["| key | type | default | what it does |", "| --- | --- | --- | --- |"]
        for row in keyTable {
            let value = row.required ? "required" : row.defaultValue.isEmpty ? "" : "`\(row.defaultValue)`"
            lines.append("| `\(row.key)` | \(row.type) | \(value) | \(row.doc) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
