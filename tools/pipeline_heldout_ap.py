#!/usr/bin/env python3
"""Mask AP of the maskstream pipeline itself (Swift, Vulkan) on the held-out synthetic set.

tools/eval_model.py scores the Hugging Face reference forward; this scores what users get:
every held-out video (tools/eval_model.py's seeds, regenerated into --cache) goes through
``maskstream run`` with the model folder and the pipeline's default threshold, and the
per-frame records (jsonl sink) become a COCO results list.  That list is scored twice, by
pycocotools ``COCOeval`` (segm) and by maskstream's own evaluator (``maskstream eval``),
and the pipeline's tracked YouTube-VIS output is scored as video AP against the held-out
YouTube-VIS ground truth (maskstream's evaluator, the YouTube-VIS API's IoU over frames).

    swift build -c release --product maskstream
    /work/venvs/tools/bin/python tools/pipeline_heldout_ap.py --model models/default
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import coco_ap  # noqa: E402
import eval_model as em  # noqa: E402

PIPELINE = """sources:
  - url: {mp4}
model:
  path: {model}
  threshold: {threshold}
  precision: {precision}
tracker: {{}}
sinks:
  - {{ type: jsonl, path: {out}/frames.jsonl }}
  - {{ type: ytvis, path: {out}/tracks.ytvis.json }}
"""


def maskstream_ap(binary: str, gt: str, pred: str) -> dict:
    r = subprocess.run([binary, "eval", "--gt", gt, "--pred", pred, "--json"], check=True,
                       capture_output=True, text=True)
    return json.loads(r.stdout)["summary"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="models/default")
    ap.add_argument("--gt", default="models/default/eval/heldout.coco.json")
    ap.add_argument("--cache", default="/tmp/maskstream-heldout")
    ap.add_argument("--binary", default=".build/release/maskstream")
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--report", default="", help="write metrics JSON here")
    ap.add_argument("--precision", default="fp32", choices=["fp32", "fp16"], help="model.precision")
    ap.add_argument("--keep", default="", help="copy each video's frames.jsonl to DIR/<video id>.jsonl")
    a = ap.parse_args()

    videos = em.ensure_videos(a.cache)
    with open(a.gt) as f:
        gt = json.load(f)
    if gt["annotations"] != em.merged_gt(videos)["annotations"]:
        sys.exit(f"regenerated held-out GT differs from {a.gt}: generator changed?")
    results, ytvis_gt, ytvis_pred = [], None, []
    with tempfile.TemporaryDirectory() as tmp:
        for vid, mp4, _ in videos:
            out = os.path.join(tmp, str(vid))
            os.makedirs(out)
            yaml = os.path.join(out, "pipeline.yaml")
            with open(yaml, "w") as f:
                f.write(PIPELINE.format(mp4=os.path.abspath(mp4), model=os.path.abspath(a.model),
                                        threshold=a.threshold, precision=a.precision, out=out))
            subprocess.run([a.binary, "run", yaml, "--no-progress"], check=True, capture_output=True)
            if a.keep:
                os.makedirs(a.keep, exist_ok=True)
                shutil.copy(os.path.join(out, "frames.jsonl"), os.path.join(a.keep, f"{vid}.jsonl"))
            with open(os.path.join(out, "frames.jsonl")) as f:
                for line in f:
                    rec = json.loads(line)
                    for inst in rec["instances"]:
                        results.append({"image_id": vid * 100000 + rec["frame"], "category_id": inst["category_id"],
                                        "score": inst["score"], "segmentation": inst["segmentation"]})
            # Video-level ground truth and tracked predictions, merged with video ids 1..N.
            with open(mp4[:-4] + ".ytvis.json") as f:
                g = json.load(f)
            if ytvis_gt is None:
                ytvis_gt = {"info": g["info"], "categories": g["categories"], "videos": [], "annotations": []}
            ytvis_gt["videos"] += [dict(v, id=vid) for v in g["videos"]]
            ytvis_gt["annotations"] += [dict(t, id=len(ytvis_gt["annotations"]) + k + 1, video_id=vid)
                                        for k, t in enumerate(g["annotations"])]
            with open(os.path.join(out, "tracks.ytvis.json")) as f:
                ytvis_pred += [dict(t, video_id=vid) for t in json.load(f)]
        files = {}
        for name, obj in [("results.json", results), ("ytvis_gt.json", ytvis_gt), ("ytvis_pred.json", ytvis_pred)]:
            files[name] = os.path.join(tmp, name)
            with open(files[name], "w") as f:
                json.dump(obj, f)
        ours = maskstream_ap(a.binary, a.gt, files["results.json"])
        video = maskstream_ap(a.binary, files["ytvis_gt.json"], files["ytvis_pred.json"])

    coco_gt = coco_ap.load_gt(gt)
    with coco_ap.quiet():
        ev = coco_ap.segm_eval(coco_gt, coco_gt.loadRes(results)) if results else None
    metrics = {"model": a.model, "threshold": a.threshold, "precision": a.precision, "detections": len(results),
               "pycocotools_AP": round(float(ev.stats[0]), 4) if ev else 0.0,
               "pycocotools_AP50": round(float(ev.stats[1]), 4) if ev else 0.0,
               "maskstream_AP": round(float(ours["ap"]), 4), "maskstream_AP50": round(float(ours["ap50"]), 4),
               "tracked_video_AP": round(float(video["ap"]), 4),
               "tracked_video_AP50": round(float(video["ap50"]), 4)}
    coco_ap.write_metrics(metrics, a.report)


if __name__ == "__main__":
    main()
