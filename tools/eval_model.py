#!/usr/bin/env python3
"""Mask AP of an EoMT folder on the held-out synthetic set (pycocotools COCOeval, segm).

The held-out set is a list of generator seeds never used in training (9100..).  Its
ground truth (COCO instances JSON, all videos merged) is committed as
``models/default/eval/heldout.coco.json``; the videos themselves are regenerated
deterministically into ``--cache`` (H.264 at 640x360, exactly like the sample) and
decoded with PyAV, so the model sees real compressed, decoded frames.

Inference is the reference path the Swift port must match:
``EomtImageProcessor`` -> ``EomtForUniversalSegmentation.from_pretrained(folder)``
-> ``post_process_instance_segmentation(threshold=0.5)``; each segment's mask is
``segmentation == id`` and its score the segment score.

    nice -n 15 /work/venvs/tools/bin/python tools/eval_model.py --model models/default

``--write-gt`` (re)creates the merged GT JSON from the seeds.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import coco_ap  # noqa: E402
import synth_video as sv  # noqa: E402

HELDOUT_SEEDS = list(range(9100, 9108))
WIDTH, HEIGHT, FPS, FRAMES = 640, 360, 12, 40


def ensure_videos(cache: str) -> list[tuple[int, str, str]]:
    """Generates held-out videos (if missing) and returns (video_id, mp4, coco.json)."""
    os.makedirs(cache, exist_ok=True)
    out = []
    for vid, seed in enumerate(HELDOUT_SEEDS, start=1):
        prefix = os.path.join(cache, f"heldout_{seed}")
        if not (os.path.exists(prefix + ".mp4") and os.path.exists(prefix + ".coco.json")):
            sv.generate(seed, WIDTH, HEIGHT, FPS, FRAMES, prefix, video_id=vid)
        out.append((vid, prefix + ".mp4", prefix + ".coco.json"))
    return out


def merged_gt(videos) -> dict:
    gt = {"info": {"description": "maskstream held-out synthetic set",
                   "seeds": HELDOUT_SEEDS, "width": WIDTH, "height": HEIGHT, "frames": FRAMES},
          "categories": sv.categories(), "images": [], "annotations": []}
    for _, _, cj in videos:
        with open(cj) as f:
            d = json.load(f)
        gt["images"] += d["images"]
        for a in d["annotations"]:
            a = dict(a, id=len(gt["annotations"]) + 1)
            gt["annotations"].append(a)
    return gt


def decode_rgb(path: str) -> list[np.ndarray]:
    import av
    with av.open(path) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def add_reference_args(ap: argparse.ArgumentParser, threshold: float) -> None:
    """--model, --threshold and --threads of a tool that runs the reference forward."""
    ap.add_argument("--model", default="models/default")
    ap.add_argument("--threshold", type=float, default=threshold)
    ap.add_argument("--threads", type=int, default=1)


def load_reference(folder: str):
    """The transformers EoMT of a model folder (float32, eval mode) and its image processor."""
    from transformers import EomtForUniversalSegmentation, EomtImageProcessor
    model = EomtForUniversalSegmentation.from_pretrained(folder, dtype=torch.float32).eval()
    return model, EomtImageProcessor.from_pretrained(folder)


def forward(model, processor, frames, batch: int = 8):
    """Yields (frames, model outputs) of the reference forward, `batch` frames at a time."""
    for i in range(0, len(frames), batch):
        chunk = frames[i:i + batch]
        inputs = processor(images=chunk, return_tensors="pt")
        with torch.no_grad():
            out = model(pixel_values=inputs["pixel_values"])
        yield chunk, out


def predict(model, processor, frames, threshold: float, batch: int = 8):
    """Yields per-frame lists of (category_id, score, mask bool HxW)."""
    for chunk, out in forward(model, processor, frames, batch):
        res = processor.post_process_instance_segmentation(
            out, target_sizes=[f.shape[:2] for f in chunk], threshold=threshold)
        for r in res:
            seg = r["segmentation"].numpy()
            dets = []
            for s in r["segments_info"]:
                m = seg == s["id"]
                if m.any():
                    dets.append((int(s["label_id"]) + 1, float(s["score"]), m))
            yield dets


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_reference_args(ap, threshold=0.5)
    ap.add_argument("--gt", default="models/default/eval/heldout.coco.json")
    ap.add_argument("--cache", default="/tmp/maskstream-heldout")
    ap.add_argument("--write-gt", action="store_true", help="(re)write --gt from the held-out seeds")
    ap.add_argument("--report", default="", help="write metrics JSON here")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    from pycocotools import mask as mask_util

    videos = ensure_videos(a.cache)
    gt_now = merged_gt(videos)
    if a.write_gt:
        os.makedirs(os.path.dirname(os.path.abspath(a.gt)), exist_ok=True)
        with open(a.gt, "w") as f:
            json.dump(gt_now, f, separators=(",", ":"))
    with open(a.gt) as f:
        gt_committed = json.load(f)
    if gt_committed["annotations"] != gt_now["annotations"]:
        sys.exit(f"regenerated held-out GT differs from {a.gt}: generator changed? rerun with --write-gt")

    model, processor = load_reference(a.model)
    if float(model.attn_mask_probs.abs().max()) != 0.0:
        print("warning: attn_mask_probs != 0: inference uses masked attention", file=sys.stderr)

    results = []
    t0 = time.time()
    nframes = 0
    for vid, mp4, _ in videos:
        frames = decode_rgb(mp4)
        for t, dets in enumerate(predict(model, processor, frames, a.threshold)):
            image_id = vid * 100000 + t
            for cat, score, m in dets:
                rle = mask_util.encode(np.asfortranarray(m.astype(np.uint8)))
                rle["counts"] = rle["counts"].decode("ascii")
                results.append({"image_id": image_id, "category_id": cat, "score": score, "segmentation": rle})
            nframes += 1
    infer_s = time.time() - t0

    coco_gt = coco_ap.load_gt(gt_committed)
    if not results:
        print(json.dumps({"model": a.model, "AP": 0.0, "detections": 0}))
        return
    coco_dt = coco_gt.loadRes(results)
    ev = coco_ap.segm_eval(coco_gt, coco_dt)
    # Class-agnostic AP separates finding and outlining objects from naming their shape.
    with coco_ap.quiet():
        ev_any = coco_ap.segm_eval(coco_gt, coco_dt, use_cats=False)
    per_class = {}
    prec = ev.eval["precision"]  # [T, R, K, A, M]
    for k, cat in enumerate(ev.params.catIds):
        p = prec[:, :, k, 0, -1]
        p = p[p > -1]
        per_class[sv.CLASSES[cat - 1]] = round(float(p.mean()) if p.size else -1.0, 4)
    metrics = {"model": a.model, "threshold": a.threshold, "frames": nframes,
               "gt_instances": len(gt_committed["annotations"]), "detections": len(results),
               "AP": round(float(ev.stats[0]), 4), "AP50": round(float(ev.stats[1]), 4),
               "AP75": round(float(ev.stats[2]), 4), "AR100": round(float(ev.stats[8]), 4),
               "AP_small": round(float(ev.stats[3]), 4), "AP_medium": round(float(ev.stats[4]), 4),
               "AP_large": round(float(ev.stats[5]), 4),
               "class_agnostic_AP": round(float(ev_any.stats[0]), 4),
               "class_agnostic_AP50": round(float(ev_any.stats[1]), 4),
               "per_class_AP": per_class, "inference_seconds": round(infer_s, 1)}
    coco_ap.write_metrics(metrics, a.report)


if __name__ == "__main__":
    main()
