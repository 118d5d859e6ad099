#!/usr/bin/env python3
"""The model's own detections on the tracking evaluation set, cached.

The set is the sample (examples/sample.mp4, 120 frames) and the 8 held-out videos of
tools/eval_model.py (seeds 9100..9107, 40 frames each, regenerated into --cache): 440
frames; plus 6 extra tuning videos (EXTRA_TUNE_SEEDS, 120 frames each, generated like the
sample) that only ever join the tuning half. The EoMT folder runs (transformers, the
reference maskstream's Vulkan port matches) on every frame; HF's instance post-processing
keeps queries with score >= 0.1 (the tracker's low threshold, so ByteTrack's low-score pass
has something to use), overlaps go to the higher score (MOTS needs disjoint masks), and each detection carries its query
embedding (the query token after the final LayerNorm, what maskstream's pipeline gives its
tracker) and its query index.

Painting higher scores last means a detection only ever loses pixels to higher-scoring
ones, so the detections at a higher threshold are exactly this list filtered by score.

    tools/.venv/bin/python tools/model_detections.py [--cache /tmp/maskstream-trk]

writes CACHE/<video>.dets.json ({"name", "height", "width", "frames"}, as
maskstream-track-eval reads one sequence) and CACHE/<video>.mots.txt (ground truth).
"""
import argparse
import hashlib
import json
import os
import shutil
import sys

import numpy as np
import torch
import torch.nn.functional as F
from pycocotools import mask as mask_utils

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import eval_model as em  # noqa: E402
import synth_video as sv  # noqa: E402

DETECTION_FLOOR = 0.1
#: Extra tuning videos, 120 frames like the sample: seeds used neither in training (>= 100000)
#: nor by the sample (9003) or the held-out set (9100..9107).
EXTRA_TUNE_SEEDS = list(range(9200, 9206))
#: Every video of the set: (name, mp4, MOTS ground truth), the sample first.
SAMPLE = ("sample", os.path.join(ROOT, "examples/sample.mp4"), os.path.join(ROOT, "examples/sample.mots.txt"))


def videos(cache):
    """(name, mp4, gt) of the sample and the held-out videos (generated into CACHE if missing)."""
    out = [SAMPLE]
    os.makedirs(cache, exist_ok=True)
    for vid, seed in enumerate(em.HELDOUT_SEEDS, start=1):
        prefix = os.path.join(cache, f"heldout_{seed}")
        if not (os.path.exists(prefix + ".mp4") and os.path.exists(prefix + ".mots.txt")):
            sv.generate(seed, em.WIDTH, em.HEIGHT, em.FPS, em.FRAMES, prefix, video_id=vid)
        out.append((f"heldout_{seed}", prefix + ".mp4", prefix + ".mots.txt"))
    for vid, seed in enumerate(EXTRA_TUNE_SEEDS, start=100):
        prefix = os.path.join(cache, f"tune_{seed}")
        if not (os.path.exists(prefix + ".mp4") and os.path.exists(prefix + ".mots.txt")):
            sv.generate(seed, em.WIDTH, em.HEIGHT, em.FPS, 120, prefix, video_id=vid)
        out.append((f"tune_{seed}", prefix + ".mp4", prefix + ".mots.txt"))
    return out


def detect(model, proc, video, threshold=DETECTION_FLOOR):
    """Per-frame detections of VIDEO (see the module doc)."""
    frames = em.decode_rgb(video)
    h, w = frames[0].shape[:2]
    size = proc.size["longest_edge"]
    scale = size / max(h, w)
    rh, rw = int(round(h * scale)), int(round(w * scale))
    out_frames = []
    for chunk, out in em.forward(model, proc, frames):
        # HF post_process_instance_segmentation, kept per query (to know each one's embedding).
        ml = F.interpolate(out.masks_queries_logits, size=(size, size), mode="bilinear")[:, :, :rh, :rw]
        ml = F.interpolate(ml, size=(h, w), mode="bilinear", align_corners=False)
        probs = out.class_queries_logits.softmax(-1)[..., :-1]
        cls_p, cls = probs.max(-1)
        for b in range(len(chunk)):
            masks = ml[b] > 0
            area = masks.flatten(1).sum(1)
            mscore = (ml[b].sigmoid().flatten(1) * masks.flatten(1)).sum(1) / (area + 1e-6)
            score = cls_p[b] * mscore
            keep = [q for q in range(masks.shape[0]) if area[q] > 0 and score[q] >= threshold]
            keep.sort(key=lambda q: float(score[q]))  # higher scores painted last win
            label = np.full((h, w), -1, np.int32)
            for q in keep:
                label[masks[q].numpy()] = q
            frame = []
            for q in keep:
                m = label == q
                if m.sum() < 10:
                    continue
                rle = mask_utils.encode(np.asfortranarray(m.astype(np.uint8)))
                frame.append({"counts": rle["counts"].decode("ascii"), "class": int(cls[b, q]) + 1,
                              "score": round(float(score[q]), 4), "query": q,
                              "embedding": [round(float(v), 4) for v in out.last_hidden_state[b, q]]})
            out_frames.append(frame)
    return h, w, out_frames


def model_digest(folder):
    with open(os.path.join(folder, "model.safetensors"), "rb") as fp:
        return hashlib.sha256(fp.read()).hexdigest()[:16]


def ensure(model_dir, cache, threads=1):
    """Detections and ground truth of every video in CACHE (computed once per model); returns
    [(name, dets path, gt path, frames)]."""
    digest = model_digest(model_dir)
    out = []
    model = proc = None
    for name, mp4, gt in videos(cache):
        path = os.path.join(cache, f"{name}.dets.json")
        gt_copy = os.path.join(cache, f"{name}.gt.mots.txt")
        if not os.path.exists(gt_copy):
            shutil.copyfile(gt, gt_copy)
        seq = None
        if os.path.exists(path):
            with open(path) as fp:
                seq = json.load(fp)
            if seq.get("model") != digest:
                seq = None
        if seq is None:
            if model is None:
                torch.set_num_threads(threads)
                model, proc = em.load_reference(model_dir)
            h, w, frames = detect(model, proc, mp4)
            seq = {"name": name, "height": h, "width": w, "model": digest, "floor": DETECTION_FLOOR,
                   "frames": frames}
            with open(path + ".tmp", "w") as fp:
                json.dump(seq, fp)
            os.replace(path + ".tmp", path)
            print(f"{name}: {sum(len(f) for f in frames)} detections in {len(frames)} frames", flush=True)
        out.append((name, path, gt_copy, len(seq["frames"])))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=os.path.join(ROOT, "models/default"))
    ap.add_argument("--cache", default="/tmp/maskstream-trk")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    for name, path, _, frames in ensure(a.model, a.cache, a.threads):
        print(name, path, frames)


if __name__ == "__main__":
    main()
