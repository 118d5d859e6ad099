#!/usr/bin/env python3
"""Tracking on the model's own detections: maskstream's tracker against ByteTrack baselines.

The EoMT folder runs (transformers, the reference maskstream's Vulkan port matches) on
every frame of a generated video; HF's instance post-processing keeps queries with
score >= --threshold (default 0.1, so ByteTrack's low-score pass has something to use),
overlaps go to the higher score (MOTS needs disjoint masks), and each detection carries
its query embedding (the query token after the final LayerNorm, what maskstream's
pipeline gives its tracker). The same detections then go through

* maskstream (`maskstream-track-eval`, default `TrackerConfig`; it drops detections
  below its own `lowScore`) and the same tracker without embeddings,
* the minimal ByteTrack of tools/bytetrack_baseline.py,
* boxmot's ByteTrack and OC-SORT with default parameters (--boxmot-python),

and TrackEval (MOTSChallenge, class-agnostic) scores them against the video's MOTS
ground truth.

    swift build -c release --product maskstream-track-eval
    /work/venvs/tools/bin/python tools/model_tracking_eval.py --model models/default \\
        --video examples/sample.mp4 --gt examples/sample.mots.txt \\
        --boxmot-python /work/venvs/bm/bin/python
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn.functional as F
from pycocotools import mask as mask_utils

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import eval_model as em  # noqa: E402
from tracking_eval import evaluate, print_table, tracker_runs  # noqa: E402


def detections(model_dir, video, threshold):
    model, proc = em.load_reference(model_dir)
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
                              "score": round(float(score[q]), 4),
                              "embedding": [round(float(v), 4) for v in out.last_hidden_state[b, q]]})
            out_frames.append(frame)
    return h, w, out_frames


def write_gt(gt_path, work, seq, frames, h, w):
    os.makedirs(os.path.join(work, "gt", seq, "gt"), exist_ok=True)
    with open(gt_path) as fp, open(os.path.join(work, "gt", seq, "gt", "gt.txt"), "w") as out:
        for line in fp:
            f, i, _c, hh, ww, rle = line.split(maxsplit=5)
            out.write(f"{int(f) + 1} {i} 2 {hh} {ww} {rle.strip()}\n")
    with open(os.path.join(work, "gt", seq, "seqinfo.ini"), "w") as fp:
        fp.write(f"[Sequence]\nname={seq}\nseqLength={frames}\nimWidth={w}\nimHeight={h}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    em.add_reference_args(ap, threshold=0.1)
    ap.add_argument("--video", default="examples/sample.mp4")
    ap.add_argument("--gt", default="examples/sample.mots.txt")
    ap.add_argument("--work", default="/tmp/model_trk_eval")
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build/release/maskstream-track-eval"))
    ap.add_argument("--boxmot-python", default="")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    h, w, frames = detections(a.model, a.video, a.threshold)
    seq = "sample"
    os.makedirs(a.work, exist_ok=True)
    dets = os.path.join(a.work, "detections.json")
    with open(dets, "w") as fp:
        json.dump({"sequences": [{"name": seq, "height": h, "width": w, "frames": frames}]}, fp)
    print(f"{sum(len(f) for f in frames)} detections in {len(frames)} frames (score >= {a.threshold})")
    write_gt(a.gt, a.work, seq, len(frames), h, w)
    runs = tracker_runs(dets, a.work, a.bin, a.boxmot_python)
    for name, cmd in runs.items():
        print(name, "->", subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip())
    print_table(evaluate(a.work, list(runs), {seq: len(frames)}))


if __name__ == "__main__":
    main()
