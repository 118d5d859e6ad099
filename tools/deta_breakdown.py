#!/usr/bin/env python3
"""Where a tracker loses detection accuracy (DetA), cause by cause, on identical detections.

Reads a work folder of tools/model_tracking_eval.py (WORK/gt, WORK/detections.json,
WORK/trackers/<name>/data) and, per frame, matches ground truth to the tracker's output
(Hungarian, mask IoU >= 0.5: DetA at alpha 0.5, TP / (TP + FN + FP)). Every miss and false
positive gets one cause:

misses (a ground-truth object the tracker did not report):
  no detection         no input detection overlaps it (IoU >= 0.5): the model's loss, every tracker's
  confirmation delay   a detection was there; the object is reported from a later frame by a
                       track whose first reported frame that is (tentative tracks not reported)
  new-track threshold  a detection below tracker.new_track_score_threshold was there and no track
                       had covered the object yet
  unmatched high-score a detection >= the new-track threshold was there, object not reported yet
  not extended         the object was reported in the previous frame; its detection was not matched
                       (split by score: low < high threshold, high)
  lost-track re-entry  the object was reported before, not in the previous frame (a gap), and its
                       detection was not matched back
false positives (a reported instance matching no ground truth):
  duplicate            it overlaps (IoU >= 0.5) an object another reported instance matched
  spurious             anything else (the detection itself was wrong)

    tools/.venv/bin/python tools/deta_breakdown.py /tmp/model_trk_eval/tune/t0.1 maskstream bytetrack

prints one table: causes by tracker, in counts and in DetA points (count / (TP+FN+FP) * 100).
"""
import argparse
import json
import os
from collections import Counter, defaultdict

import numpy as np
from pycocotools import mask as mask_utils
from scipy.optimize import linear_sum_assignment

CAUSES = ["no detection", "confirmation delay", "new-track threshold", "unmatched high-score",
          "not extended (low)", "not extended (high)", "lost-track re-entry", "duplicate", "spurious"]


def read_mots(path, one_based=True):
    """{frame (0-based): [(id, rle)]}."""
    out = defaultdict(list)
    if not os.path.exists(path):
        return out
    with open(path) as fp:
        for line in fp:
            f, i, _c, h, w, counts = line.split(maxsplit=5)
            out[int(f) - (1 if one_based else 0)].append((int(i), {"size": [int(h), int(w)],
                                                                   "counts": counts.strip().encode()}))
    return out


def ious(a, b):
    if not a or not b:
        return np.zeros((len(a), len(b)))
    return np.asarray(mask_utils.iou(a, b, [0] * len(b)))


def match(a, b, alpha=0.5):
    """Hungarian on IoU, pairs with IoU >= alpha: ({i: j}, IoU matrix)."""
    m = ious(a, b)
    if m.size == 0:
        return {}, m
    r, c = linear_sum_assignment(-m)
    return {i: j for i, j in zip(r, c) if m[i, j] >= alpha}, m


def breakdown(gt, pred, dets, frames, new_thr, high_thr):
    """Cause counts of one sequence, plus TP."""
    counts = Counter()
    # Which tracker id covers each GT object in each frame; first frame each tracker id is reported.
    cover = {}  # (gt id, frame) -> pred id
    first_out = {}
    per_frame = {}
    for f in range(frames):
        g, p = gt.get(f, []), pred.get(f, [])
        for pid, _ in p:
            first_out.setdefault(pid, f)
        m, iou_gp = match([r for _, r in g], [r for _, r in p])
        for i, j in m.items():
            cover[(g[i][0], f)] = p[j][0]
        per_frame[f] = (g, p, m, iou_gp)
    for f in range(frames):
        g, p, m, iou_gp = per_frame[f]
        counts["TP"] += len(m)
        d = dets[f] if f < len(dets) else []
        drles = [{"size": x["size"], "counts": x["counts"].encode()} for x in d]
        iou_gd = ious([r for _, r in g], drles)
        for i, (gid, _) in enumerate(g):
            if i in m:
                continue
            best = int(np.argmax(iou_gd[i])) if len(d) else -1
            if best < 0 or iou_gd[i, best] < 0.5:
                counts["no detection"] += 1
                continue
            score = d[best]["score"]
            before = [k for k in range(f) if (gid, k) in cover]
            if not before:
                later = next((k for k in range(f + 1, frames) if (gid, k) in cover), None)
                if later is not None and first_out.get(cover[(gid, later)]) == later and later <= f + 3:
                    counts["confirmation delay"] += 1
                elif score < new_thr:
                    counts["new-track threshold"] += 1
                else:
                    counts["unmatched high-score"] += 1
            elif before[-1] == f - 1:
                counts["not extended (low)" if score < high_thr else "not extended (high)"] += 1
            else:
                counts["lost-track re-entry"] += 1
        matched_gt = set(m)
        for j in range(len(p)):
            if j in m.values():
                continue
            dup = any(iou_gp[i, j] >= 0.5 for i in matched_gt) if len(g) else False
            counts["duplicate" if dup else "spurious"] += 1
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("work")
    ap.add_argument("trackers", nargs="+")
    ap.add_argument("--new-track", type=float, default=0.6)
    ap.add_argument("--high", type=float, default=0.5)
    a = ap.parse_args()
    with open(os.path.join(a.work, "detections.json")) as fp:
        seqs = json.load(fp)["sequences"]
    totals = {}
    for name in a.trackers:
        c = Counter()
        for s in seqs:
            gt = read_mots(os.path.join(a.work, "gt", s["name"], "gt", "gt.txt"))
            pred = read_mots(os.path.join(a.work, "trackers", name, "data", s["name"] + ".txt"))
            dets = [[dict(x, size=[s["height"], s["width"]]) for x in f] for f in s["frames"]]
            c += breakdown(gt, pred, dets, len(s["frames"]), a.new_track, a.high)
        totals[name] = c
    print("| cause | " + " | ".join(a.trackers) + " |")
    print("| --- | " + " | ".join("---:" for _ in a.trackers) + " |")
    for cause in ["TP"] + CAUSES:
        cells = []
        for name in a.trackers:
            c = totals[name]
            n = c[cause]
            denom = c["TP"] + sum(c[k] for k in CAUSES)
            cells.append(f"{n}" if cause == "TP" else f"{n} ({100 * n / max(denom, 1):.2f})")
        print(f"| {cause} | " + " | ".join(cells) + " |")
    cells = []
    for name in a.trackers:
        c = totals[name]
        cells.append(f"{100 * c['TP'] / max(c['TP'] + sum(c[k] for k in CAUSES), 1):.2f}")
    print("| DetA@0.5 | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
