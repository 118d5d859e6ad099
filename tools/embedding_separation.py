#!/usr/bin/env python3
"""Do the model's query embeddings tell objects apart across frames?

On the cached detections of tools/model_detections.py (the model's own output), every
detection is given the ground-truth object it overlaps (mask IoU >= 0.5). For pairs of
detections `gap` frames apart (1, 5, 15) it compares the cosine similarity of their query
embeddings for the same object against different objects, overall and for pairs of the same
class (where IoU and class cannot separate them), and prints per gap: the mean similarities,
the ROC AUC (1: a threshold separates them perfectly, 0.5: chance) and, at the similarity
threshold of the tracker's re-identification (--reid, default 0.75), the share of same-object
pairs above it and of different-object pairs above it.

    tools/.venv/bin/python tools/embedding_separation.py --split tune
"""
import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from deta_breakdown import match, read_mots  # noqa: E402
from model_tracking_eval import SPLITS  # noqa: E402


def labelled(cache, name):
    """[(frame, gt id, class, unit embedding)] of the detections of NAME matched to ground truth."""
    with open(os.path.join(cache, f"{name}.dets.json")) as fp:
        seq = json.load(fp)
    gt = read_mots(os.path.join(cache, f"{name}.gt.mots.txt"), one_based=False)
    out = []
    for f, frame in enumerate(seq["frames"]):
        g = gt.get(f, [])
        d = [{"size": [seq["height"], seq["width"]], "counts": x["counts"].encode()} for x in frame]
        m, _ = match([r for _, r in g], d)
        for i, j in m.items():
            e = np.asarray(frame[j]["embedding"], np.float64)
            out.append((f, g[i][0], frame[j]["class"], e / max(np.linalg.norm(e), 1e-12)))
    return out


def auc(pos, neg):
    """Probability that a random same-object pair is more similar than a random different-object pair."""
    if not len(pos) or not len(neg):
        return float("nan")
    allv = np.concatenate([pos, neg])
    ranks = allv.argsort().argsort() + 1.0
    return float((ranks[:len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=sorted(SPLITS), default="tune")
    ap.add_argument("--cache", default="/tmp/maskstream-trk")
    ap.add_argument("--reid", type=float, default=0.75)
    a = ap.parse_args()
    print("| gap | pairs | same mean | diff mean | AUC | same-class diff mean | same-class AUC "
          f"| same ≥ {a.reid:g} | diff ≥ {a.reid:g} | same-class diff ≥ {a.reid:g} |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    data = {n: labelled(a.cache, n) for n in SPLITS[a.split]}
    for gap in (1, 5, 15):
        same, diff, diff_cls = [], [], []
        for dets in data.values():
            by_frame = {}
            for f, gid, cls, e in dets:
                by_frame.setdefault(f, []).append((gid, cls, e))
            for f, now in by_frame.items():
                for gid, cls, e in now:
                    for gid2, cls2, e2 in by_frame.get(f + gap, []):
                        s = float(e @ e2)
                        if gid == gid2:
                            same.append(s)
                        else:
                            diff.append(s)
                            if cls == cls2:
                                diff_cls.append(s)
        same, diff, diff_cls = map(np.asarray, (same, diff, diff_cls))
        share = lambda v: 100 * float((v >= a.reid).mean()) if len(v) else float("nan")  # noqa: E731
        print(f"| {gap} | {len(same) + len(diff)} | {same.mean():.3f} | {diff.mean():.3f} | {auc(same, diff):.3f} "
              f"| {diff_cls.mean() if len(diff_cls) else float('nan'):.3f} | {auc(same, diff_cls):.3f} "
              f"| {share(same):.1f} % | {share(diff):.1f} % | {share(diff_cls):.1f} % |")


if __name__ == "__main__":
    main()
