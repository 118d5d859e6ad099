#!/usr/bin/env python3
"""fp16 weights against fp32 on the held-out set: what `model.precision: fp16` changes.

Runs the maskstream pipeline (release build) on every held-out video twice, with
`model.precision: fp32` and `fp16` (tools/pipeline_heldout_ap.py: same videos, threshold and
tracker), then, frame by frame, matches the two runs' instances one to one by mask IoU
(pycocotools, greedy from the best pair) and reports

* per matched instance: mask IoU (min, 1st percentile, mean, share >= 0.98), class agreement,
  largest score change;
* instances only one run kept (with their scores: they sit at the threshold);
* mask AP of both runs (pycocotools) and the difference.

The issue's goals: per-instance mask IoU >= 0.98 and AP within 0.01. The last line is a JSON
summary; `--check` exits 1 unless both goals hold.

The default model ships fp16 weights (F16 safetensors), which fp16 storage keeps exactly, so
its two runs agree bit for bit. `--dither SEED` measures what rounding costs a checkpoint
trained and saved in fp32: it first writes an fp32 copy of the model whose weights are moved
by a uniform random fraction of one fp16 step (|Δw| < 2^-11·|w|), so they sit between halves
as fp32 training leaves them, and compares fp32 and fp16 runs of that copy.

    swift build -c release --product maskstream
    tools/.venv/bin/python benchmarks/precision_report.py --model models/default
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from pycocotools import mask as mask_utils

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(precision: str, model: str, binary: str, cache: str, keep: str) -> dict:
    cmd = [sys.executable, os.path.join(ROOT, "tools/pipeline_heldout_ap.py"), "--model", model, "--binary", binary,
           "--cache", cache, "--precision", precision, "--keep", keep]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(out.strip().splitlines()[-1])


def dithered_copy(model: str, seed: int, out: str) -> str:
    """An fp32 copy of `model` with weights moved off the fp16 grid (see the module doc)."""
    import shutil
    from safetensors.numpy import load_file, save_file

    shutil.copytree(model, out, ignore=shutil.ignore_patterns("model.safetensors", "eval"))
    rng = np.random.default_rng(seed)
    tensors = {}
    for name, t in load_file(os.path.join(model, "model.safetensors")).items():
        t = t.astype(np.float32)
        tensors[name] = (t * (1 + rng.uniform(-2.0 ** -11, 2.0 ** -11, t.shape))).astype(np.float32)
    save_file(tensors, os.path.join(out, "model.safetensors"))
    return out


def frames(path: str) -> dict[int, list]:
    with open(path) as f:
        return {r["frame"]: r["instances"] for r in map(json.loads, f)}


def match(a: list, b: list) -> tuple[list, list, list]:
    """Greedy one-to-one matching by mask IoU: (pairs (ia, ib, iou), unmatched a, unmatched b)."""
    if not a or not b:
        return [], list(range(len(a))), list(range(len(b)))
    ious = mask_utils.iou([x["segmentation"] for x in a], [x["segmentation"] for x in b], [0] * len(b))
    ious = np.asarray(ious, dtype=float).reshape(len(a), len(b))
    pairs, used_a, used_b = [], set(), set()
    for flat in np.argsort(-ious, axis=None):
        i, j = divmod(int(flat), len(b))
        if i in used_a or j in used_b or ious[i, j] <= 0:
            continue
        pairs.append((i, j, float(ious[i, j])))
        used_a.add(i)
        used_b.add(j)
    return pairs, [i for i in range(len(a)) if i not in used_a], [j for j in range(len(b)) if j not in used_b]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="models/default")
    ap.add_argument("--binary", default=".build/release/maskstream")
    ap.add_argument("--cache", default="/tmp/maskstream-heldout")
    ap.add_argument("--check", action="store_true", help="exit 1 unless the issue's goals hold")
    ap.add_argument("--dither", type=int, default=None, metavar="SEED",
                    help="compare on an fp32 copy of the model moved off the fp16 grid")
    a = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        model = a.model
        if a.dither is not None:
            model = dithered_copy(a.model, a.dither, os.path.join(tmp, "model-fp32"))
        dirs = {p: os.path.join(tmp, p) for p in ("fp32", "fp16")}
        metrics = {p: run(p, model, a.binary, a.cache, d) for p, d in dirs.items()}
        ious, class_same, score_shift, only = [], 0, 0.0, {"fp32": [], "fp16": []}
        videos = sorted(os.listdir(dirs["fp32"]))
        for name in videos:
            full, half = frames(os.path.join(dirs["fp32"], name)), frames(os.path.join(dirs["fp16"], name))
            if sorted(full) != sorted(half):
                sys.exit(f"{name}: the runs wrote different frames")
            for t in sorted(full):
                pairs, ua, ub = match(full[t], half[t])
                for i, j, iou in pairs:
                    ious.append(iou)
                    class_same += full[t][i]["category_id"] == half[t][j]["category_id"]
                    score_shift = max(score_shift, abs(full[t][i]["score"] - half[t][j]["score"]))
                only["fp32"] += [round(full[t][i]["score"], 4) for i in ua]
                only["fp16"] += [round(half[t][j]["score"], 4) for j in ub]

    v = np.asarray(ious)
    kind = f" (fp32 copy dithered with seed {a.dither})" if a.dither is not None else ""
    print(f"model {a.model}{kind}, {len(videos)} held-out videos, threshold {metrics['fp32']['threshold']}")
    print("| | fp32 | fp16 |\n| --- | ---: | ---: |")
    print(f"| instances kept | {metrics['fp32']['detections']} | {metrics['fp16']['detections']} |")
    print(f"| mask AP (pycocotools) | {metrics['fp32']['pycocotools_AP']:.4f} | {metrics['fp16']['pycocotools_AP']:.4f} |")
    print(f"| mask AP50 | {metrics['fp32']['pycocotools_AP50']:.4f} | {metrics['fp16']['pycocotools_AP50']:.4f} |")
    print(f"| tracked video AP | {metrics['fp32']['tracked_video_AP']:.4f} | {metrics['fp16']['tracked_video_AP']:.4f} |")
    print(f"matched instances {len(v)}: mask IoU min {v.min():.4f}, 1st percentile {np.percentile(v, 1):.4f}, "
          f"mean {v.mean():.5f}, >= 0.98: {(v >= 0.98).mean() * 100:.2f} %; same class {class_same}/{len(v)}; "
          f"largest score change {score_shift:.4f}")
    print(f"kept by one run only: fp32 {len(only['fp32'])} (scores {sorted(only['fp32'])[:10]}), "
          f"fp16 {len(only['fp16'])} (scores {sorted(only['fp16'])[:10]})")
    ap_delta = metrics["fp16"]["pycocotools_AP"] - metrics["fp32"]["pycocotools_AP"]
    summary = {"matched": len(v), "iou_min": round(float(v.min()), 4), "iou_mean": round(float(v.mean()), 5),
               "share_iou_ge_0.98": round(float((v >= 0.98).mean()), 4), "only_fp32": len(only["fp32"]),
               "only_fp16": len(only["fp16"]), "ap_fp32": metrics["fp32"]["pycocotools_AP"],
               "ap_fp16": metrics["fp16"]["pycocotools_AP"], "ap_delta": round(ap_delta, 4),
               "goals_met": bool(v.min() >= 0.98 and abs(ap_delta) <= 0.01)}
    print(json.dumps(summary))
    if a.check and not summary["goals_met"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
