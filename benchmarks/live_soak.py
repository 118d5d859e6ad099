#!/usr/bin/env python3
"""Live soak: maskstream on an RTSP stream faster than inference, memory and record age over time.

Starts the RTSP test server (scripts/rtsp_test_server.py, GStreamer, H.264 at --fps and
--size), runs the release `maskstream run` on it with drops on (live_buffer), and every
--every seconds samples the process's resident memory (/proc/PID/status VmRSS) and scrapes
/metrics (frames, drops, reconnects, record age). At the end it sends SIGINT (graceful stop)
and prints a Markdown table and, as its last line, a JSON summary:

  rss_after_first_minute_mib, rss_max_after_first_minute_mib, rss_growth (max / first-minute
  value; goal <= 1.10), record_age_max_s (largest sampled age of the last record),
  record_age_p99_s (from the record-age histogram), record_age_bound_s (the most frames the
  pipeline can hold, live_buffer + queues + frames in flight, times the mean per-frame time of
  the slowest stage), frames, dropped, exit status.

Usage: python3 benchmarks/live_soak.py [--minutes 10] [--fps 25] [--size 640x360]
           [--live-buffer 2] [--queue-depth 2] [--csv out/soak.csv]
Needs `swift build -c release --product maskstream` (done here if missing) and Debian's
python3-gi + gst-rtsp-server (scripts/setup.sh). Not a test: timing lives in benchmarks/.
"""
import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def scrape(port: int) -> dict:
    try:
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    except OSError:
        return {}
    values: dict = {"buckets": []}
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = re.match(r'^(\w+)(\{[^}]*\})? (\S+)$', line)
        if not m:
            continue
        name, labels, value = m.group(1), m.group(2) or "", float(m.group(3))
        if name == "maskstream_record_age_seconds_bucket":
            le = re.search(r'le="([^"]+)"', labels).group(1)
            values["buckets"].append((float("inf") if le == "+Inf" else float(le), value))
        elif name == "maskstream_stage_latency_seconds_sum":
            values.setdefault("stage_sum", {})[re.search(r'stage="(\w+)"', labels).group(1)] = value
        elif name == "maskstream_stage_latency_seconds_count":
            values.setdefault("stage_count", {})[re.search(r'stage="(\w+)"', labels).group(1)] = value
        elif not labels or name in ("maskstream_reconnects_total",):
            values[name] = values.get(name, 0) + value if labels else value
    return values


def quantile(buckets, q):
    """Upper bound of the bucket holding quantile q of a cumulative histogram."""
    if not buckets or buckets[-1][1] == 0:
        return float("nan")
    total = buckets[-1][1]
    for le, count in buckets:
        if count >= q * total:
            return le
    return float("inf")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--fps", type=int, default=25)
    ap.add_argument("--size", default="640x360")
    ap.add_argument("--live-buffer", type=int, default=2)
    ap.add_argument("--queue-depth", type=int, default=2)
    ap.add_argument("--frames-in-flight", type=int, default=2)
    ap.add_argument("--every", type=float, default=5)
    ap.add_argument("--csv")
    args = ap.parse_args()

    bin_dir = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.strip()
    binary = os.path.join(bin_dir, "maskstream")
    if not os.path.exists(binary):
        subprocess.run(["swift", "build", "-c", "release", "--product", "maskstream"], cwd=ROOT, check=True)

    rtsp_port, http_port = free_port(), free_port()
    server = subprocess.Popen(["/usr/bin/python3", os.path.join(ROOT, "scripts/rtsp_test_server.py"),
                               str(rtsp_port), "--fps", str(args.fps), "--size", args.size],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    if "READY" not in (server.stdout.readline() or ""):
        print("RTSP test server did not start", file=sys.stderr)
        return 1
    work = tempfile.mkdtemp(prefix="maskstream-soak-")
    pipeline = os.path.join(work, "soak.yaml")
    with open(pipeline, "w") as f:
        f.write(f"""sources:
  - url: rtsp://127.0.0.1:{rtsp_port}/test
    live_buffer: {args.live_buffer}
model:
  path: {os.path.join(ROOT, "models/default")}
  frames_in_flight: {args.frames_in_flight}
tracker: {{}}
queue_depth: {args.queue_depth}
server:
  host: 127.0.0.1
  port: {http_port}
sinks:
  - {{ type: jsonl, path: {os.path.join(work, "soak.jsonl")} }}
  - {{ type: ts, path: {os.path.join(work, "soak.ts")} }}
""")
    log = open(os.path.join(work, "maskstream.log"), "w")
    proc = subprocess.Popen([binary, "run", pipeline, "--no-progress"], cwd=ROOT, stdout=log, stderr=log)
    start = time.time()
    samples = []
    try:
        while time.time() - start < args.minutes * 60:
            time.sleep(args.every)
            if proc.poll() is not None:
                break
            m = scrape(http_port)
            samples.append({
                "t_s": round(time.time() - start, 1), "rss_mib": round(rss_mib(proc.pid), 1),
                "frames": m.get("maskstream_frames_total", 0), "dropped": m.get("maskstream_dropped_frames_total", 0),
                "record_age_last_s": round(m.get("maskstream_record_age_last_seconds", float("nan")), 3),
                "metrics": m,
            })
            print(f"t={samples[-1]['t_s']:7.1f}s rss={samples[-1]['rss_mib']:7.1f} MiB frames={samples[-1]['frames']:.0f} "
                  f"dropped={samples[-1]['dropped']:.0f} age={samples[-1]['record_age_last_s']} s", file=sys.stderr)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        try:
            status = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            status = -9
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
        log.close()

    if args.csv:
        os.makedirs(os.path.dirname(os.path.abspath(args.csv)), exist_ok=True)
        with open(args.csv, "w") as f:
            f.write("t_s,rss_mib,frames,dropped,record_age_last_s\n")
            for s in samples:
                f.write(f"{s['t_s']},{s['rss_mib']},{s['frames']},{s['dropped']},{s['record_age_last_s']}\n")
    after = [s for s in samples if s["t_s"] >= 60]
    first = after[0]["rss_mib"] if after else float("nan")
    peak = max((s["rss_mib"] for s in after), default=float("nan"))
    last = samples[-1]["metrics"] if samples else {}
    sums, counts = last.get("stage_sum", {}), last.get("stage_count", {})
    slowest = max((sums[k] / counts[k] for k in sums if counts.get(k)), default=float("nan"))
    capacity = args.live_buffer + 4 * args.queue_depth + args.frames_in_flight + 2
    records = sum(1 for _ in open(os.path.join(work, "soak.jsonl"))) if os.path.exists(os.path.join(work, "soak.jsonl")) else 0
    summary = {
        "minutes": args.minutes, "fps": args.fps, "size": args.size, "live_buffer": args.live_buffer,
        "queue_depth": args.queue_depth, "rss_after_first_minute_mib": first,
        "rss_max_after_first_minute_mib": peak, "rss_growth": peak / first if after else float("nan"),
        "record_age_max_s": max((s["record_age_last_s"] for s in samples), default=float("nan")),
        "record_age_p99_s": quantile(last.get("buckets", []), 0.99),
        "record_age_bound_s": capacity * slowest, "slowest_stage_s": slowest,
        "frames": last.get("maskstream_frames_total", 0), "records": records,
        "dropped": last.get("maskstream_dropped_frames_total", 0), "exit_status": status,
    }
    print("| minute | RSS MiB | frames | dropped | age of last record s |\n| ---: | ---: | ---: | ---: | ---: |")
    for s in samples:
        if int(s["t_s"]) % 60 < args.every:
            print(f"| {s['t_s'] / 60:.1f} | {s['rss_mib']:.1f} | {s['frames']:.0f} | {s['dropped']:.0f} | "
                  f"{s['record_age_last_s']} |")
    print(json.dumps(summary))
    return 0 if status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
