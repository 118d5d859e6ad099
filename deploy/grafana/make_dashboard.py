#!/usr/bin/env python3
"""Writes deploy/grafana/maskstream.json, the Grafana dashboard (overview, on-call, debug rows).

Run `python3 deploy/grafana/make_dashboard.py` after changing a panel; the JSON is committed.
"""
import json
import pathlib

DS = {"type": "prometheus", "uid": "${datasource}"}
panels, next_id, y = [], 1, 0


def row(title):
    global next_id, y
    panels.append({"type": "row", "title": title, "id": next_id, "collapsed": False,
                   "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}, "panels": []})
    next_id += 1
    y += 1


def panel(title, targets, unit="short", kind="timeseries", w=8, x=0, h=8, description=""):
    global next_id
    p = {"type": kind, "title": title, "id": next_id, "datasource": DS, "description": description,
         "gridPos": {"h": h, "w": w, "x": x, "y": y},
         "fieldConfig": {"defaults": {"unit": unit}, "overrides": []}, "options": {},
         "targets": [{"datasource": DS, "expr": e, "legendFormat": legend, "refId": chr(65 + i)}
                     for i, (e, legend) in enumerate(targets)]}
    if kind == "heatmap":
        p["targets"][0]["format"] = "heatmap"
        p["options"] = {"calculate": False, "yAxis": {"unit": unit}}
    panels.append(p)
    next_id += 1


def line():
    global y
    y += 8


row("Overview")
panel("Throughput (frames/s)", [("sum by (instance) (rate(maskstream_frames_total[1m]))", "{{instance}}"),
                                ("sum by (source) (rate(maskstream_stream_frames_total[1m]))", "stream {{source}}")])
panel("Latency SLO: records within 0.5 s of capture",
      [("sum(rate(maskstream_capture_to_emit_seconds_bucket{le=\"0.5\"}[5m])) / "
        "sum(rate(maskstream_capture_to_emit_seconds_count[5m]))", "within budget")],
      unit="percentunit", x=8)
panel("Cost per frame (stage seconds per frame)",
      [("sum by (stage) (rate(maskstream_stage_latency_seconds_sum[5m])) / "
        "ignoring(stage) group_left sum(rate(maskstream_frames_total[5m]))", "{{stage}}"),
       ("maskstream_device_memory_bytes / 2^20", "device memory (MiB)")], unit="s", x=16)
line()
row("On-call")
panel("P50 / P95 / P99 capture→emit per stream",
      [(f"histogram_quantile({q}, sum by (source, le) (rate(maskstream_capture_to_emit_seconds_bucket[5m])))",
        f"P{int(q * 100)} stream {{{{source}}}}") for q in (0.5, 0.95, 0.99)], unit="s")
panel("Dropped frames/s", [("sum by (instance) (rate(maskstream_dropped_frames_total[5m]))", "live drops"),
                           ("sum by (instance) (rate(maskstream_viewer_dropped_frames_total[5m]))", "viewer drops")],
      x=8)
panel("Reconnects and stream states",
      [("increase(maskstream_reconnects_total[15m])", "reconnects stream {{source}}"),
       ("maskstream_source_state == 1", "stream {{source}} {{state}}")], x=16)
line()
row("Debug")
panel("Instances per class (per s)", [("sum by (class) (rate(maskstream_class_instances_total[5m]))", "{{class}}")])
panel("Score distribution", [("sum by (le) (rate(maskstream_instance_score_bucket[5m]))", "{{le}}")],
      kind="heatmap", x=8)
panel("Input drift (JSD, bits)", [("maskstream_input_drift_jsd", "stream {{source}}")], unit="none", x=16)
line()
panel("Mask area (fraction of frame)", [("sum by (le) (rate(maskstream_mask_area_ratio_bucket[5m]))", "{{le}}")],
      kind="heatmap", unit="percentunit")
panel("Tracks started / ended per minute, active",
      [("sum by (source) (rate(maskstream_tracks_started_total[5m])) * 60", "started stream {{source}}"),
       ("sum by (source) (rate(maskstream_tracks_ended_total[5m])) * 60", "ended stream {{source}}"),
       ("maskstream_active_tracks", "active stream {{source}}")], x=8)
panel("Queue depth and record age",
      [("maskstream_queue_depth", "{{queue}}"), ("maskstream_record_age_last_seconds", "last record age (s)")], x=16)

dashboard = {
    "title": "maskstream", "uid": "maskstream", "schemaVersion": 39, "version": 1, "editable": True,
    "tags": ["maskstream"], "time": {"from": "now-1h", "to": "now"}, "refresh": "10s",
    "templating": {"list": [{"name": "datasource", "type": "datasource", "query": "prometheus",
                             "label": "Prometheus", "current": {}}]},
    "panels": panels,
}
path = pathlib.Path(__file__).with_name("maskstream.json")
path.write_text(json.dumps(dashboard, indent=2) + "\n")
print(f"wrote {path} ({len(panels)} panels)")
