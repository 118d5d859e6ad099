#!/usr/bin/env python3
"""A minimal ByteTrack baseline (Zhang et al., ECCV 2022), written from the paper's
description for comparison with maskstream's tracker. Not the official code.

Per frame: boxes come from the detection masks. Tracks carry a constant-velocity
Kalman filter on (cx, cy, aspect, height) as in SORT/ByteTrack. Association:
  1. high-score detections (>= track_thresh) vs tracked + lost tracks, cost
     1 - IoU(predicted box, box) * score ("fuse score"), match threshold 0.8;
  2. low-score detections (>= 0.1) vs the remaining *tracked* tracks, 1 - IoU, 0.5;
  3. remaining high-score detections vs unconfirmed tracks, 0.7;
  4. unmatched high-score detections >= track_thresh + 0.1 start tracks
     (activated at once in frame 1, else confirmed on their second hit);
  lost tracks are kept for track_buffer frames; a tracked and a lost track whose
  boxes overlap with IoU > 0.85 are duplicates and the younger one is dropped.
Output: activated tracks matched in the frame, written with the matched
detection's mask as MOTS txt.

Usage: tools/bytetrack_baseline.py detections.json OUT_DIR [--track-thresh 0.5] [--buffer 30]
"""
import argparse
import json
import os
import time

import numpy as np
from pycocotools import mask as mask_utils
from scipy.optimize import linear_sum_assignment


class Kalman:
    """Constant-velocity Kalman filter on (cx, cy, a, h) with ByteTrack's noise model."""
    std_pos = 1.0 / 20
    std_vel = 1.0 / 160

    def __init__(self, z):
        self.F = np.eye(8)
        for i in range(4):
            self.F[i, 4 + i] = 1.0
        self.Hm = np.eye(4, 8)
        self.x = np.r_[z, np.zeros(4)]
        h = z[3]
        std = [2 * self.std_pos * h, 2 * self.std_pos * h, 1e-2, 2 * self.std_pos * h,
               10 * self.std_vel * h, 10 * self.std_vel * h, 1e-5, 10 * self.std_vel * h]
        self.P = np.diag(np.square(std))

    def predict(self):
        h = self.x[3]
        std = [self.std_pos * h, self.std_pos * h, 1e-2, self.std_pos * h,
               self.std_vel * h, self.std_vel * h, 1e-5, self.std_vel * h]
        self.x = self.F @ self.x
        self.P = self.F @ self.P @ self.F.T + np.diag(np.square(std))

    def update(self, z):
        h = self.x[3]
        R = np.diag(np.square([self.std_pos * h, self.std_pos * h, 1e-1, self.std_pos * h]))
        S = self.Hm @ self.P @ self.Hm.T + R
        K = self.P @ self.Hm.T @ np.linalg.inv(S)
        self.x = self.x + K @ (z - self.Hm @ self.x)
        self.P = (np.eye(8) - K @ self.Hm) @ self.P

    def box(self):
        cx, cy, a, h = self.x[:4]
        w = a * h
        return np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])


def to_z(b):  # xywh -> cx, cy, a, h
    x, y, w, h = b
    return np.array([x + w / 2, y + h / 2, w / max(h, 1e-6), max(h, 1e-6)])


def iou_matrix(a, b):  # xyxy arrays
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    a = np.asarray(a)[:, None, :]
    b = np.asarray(b)[None, :, :]
    iw = np.clip(np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]), 0, None)
    ih = np.clip(np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]), 0, None)
    inter = iw * ih
    area_a = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
    area_b = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    return inter / np.maximum(area_a + area_b - inter, 1e-9)


def assign(cost, thresh):
    """Thresholded linear assignment (as lap.lapjv with cost_limit)."""
    if cost.size == 0:
        return [], list(range(cost.shape[0])), list(range(cost.shape[1]))
    clipped = np.minimum(cost, thresh + 1e-4)
    rows, cols = linear_sum_assignment(clipped)
    matches = [(r, c) for r, c in zip(rows, cols) if cost[r, c] <= thresh]
    mr = {r for r, _ in matches}
    mc = {c for _, c in matches}
    return matches, [r for r in range(cost.shape[0]) if r not in mr], [c for c in range(cost.shape[1]) if c not in mc]


class Track:
    def __init__(self, tid, box, activated):
        self.id = tid
        self.kf = Kalman(to_z(box))
        self.activated = activated
        self.state = "tracked"
        self.last_frame = 0
        self.start_frame = 0


def remove_duplicates(tracks, f):
    """ByteTrack's remove_duplicate_stracks: of a tracked and a lost track with
    box IoU distance < 0.15, keep the one tracked for longer."""
    tracked = [t for t in tracks if t.state == "tracked"]
    lost = [t for t in tracks if t.state == "lost"]
    if not tracked or not lost:
        return tracks
    d = 1 - iou_matrix([t.kf.box() for t in tracked], [t.kf.box() for t in lost])
    drop = set()
    for i, j in zip(*np.where(d < 0.15)):
        a, b = tracked[i], lost[j]
        if f - a.start_frame > f - b.start_frame:
            drop.add(id(b))
        else:
            drop.add(id(a))
    return [t for t in tracks if id(t) not in drop]


def run_sequence(seq, track_thresh=0.5, buffer=30, low=0.1):
    H, W = seq["height"], seq["width"]
    next_id = 1
    tracks = []  # tracked (activated or not) and lost
    lines = []
    for f, frame in enumerate(seq["frames"], start=1):
        rles = [dict(size=[H, W], counts=d["counts"]) for d in frame]
        boxes = mask_utils.toBbox(rles) if rles else np.zeros((0, 4))
        scores = np.array([d["score"] for d in frame])
        xyxy = np.c_[boxes[:, :2], boxes[:, :2] + boxes[:, 2:]] if len(boxes) else np.zeros((0, 4))
        hi = [i for i in range(len(frame)) if scores[i] >= track_thresh]
        lo = [i for i in range(len(frame)) if low <= scores[i] < track_thresh]
        for t in tracks:
            if t.state != "tracked":
                t.kf.x[7] = 0  # as ByteTrack: no height velocity while lost
            t.kf.predict()
        matched = {}  # det index -> track
        confirmed = [t for t in tracks if t.activated]
        unconfirmed = [t for t in tracks if not t.activated]
        # 1. high vs tracked + lost (activated)
        pool = confirmed
        c = 1 - iou_matrix([t.kf.box() for t in pool], xyxy[hi]) * scores[hi][None, :] if pool and hi else np.zeros((len(pool), len(hi)))
        m, ut, ud = assign(c, 0.8)
        for r, k in m:
            matched[hi[k]] = pool[r]
        rem_hi = [hi[k] for k in ud]
        # 2. low vs remaining tracked (not lost)
        pool2 = [pool[r] for r in ut if pool[r].state == "tracked"]
        c = 1 - iou_matrix([t.kf.box() for t in pool2], xyxy[lo])
        m, _, _ = assign(c, 0.5)
        for r, k in m:
            matched[lo[k]] = pool2[r]
        # 3. remaining high vs unconfirmed
        c = 1 - iou_matrix([t.kf.box() for t in unconfirmed], xyxy[rem_hi]) * scores[rem_hi][None, :] if unconfirmed and rem_hi else np.zeros((len(unconfirmed), len(rem_hi)))
        m, uu, ud2 = assign(c, 0.7)
        for r, k in m:
            matched[rem_hi[k]] = unconfirmed[r]
        new_hi = [rem_hi[k] for k in ud2]
        # Updates.
        for i, t in matched.items():
            t.kf.update(to_z(boxes[i]))
            t.activated = True
            t.state = "tracked"
            t.last_frame = f
        matched_tracks = {id(t) for t in matched.values()}
        survivors = []
        for t in tracks:
            if id(t) in matched_tracks:
                survivors.append(t)
            elif not t.activated:
                continue  # unconfirmed and unmatched: removed
            else:
                t.state = "lost"
                if f - t.last_frame <= buffer:
                    survivors.append(t)
        tracks = remove_duplicates(survivors, f)
        for i in new_hi:
            if scores[i] >= track_thresh + 0.1:
                t = Track(next_id, boxes[i], activated=(f == 1))
                t.last_frame = f
                t.start_frame = f
                next_id += 1
                tracks.append(t)
                if t.activated:
                    matched[i] = t
        for i, t in sorted(matched.items()):
            if t.activated:
                lines.append(f"{f} {t.id} 2 {H} {W} {frame[i]['counts']}")
    return lines


def track_all(detections, out, name, run):
    """Runs `run(sequence) -> MOTS lines` on every sequence of a detections JSON, writes
    OUT/<sequence>.txt and prints the per-frame time (shared with boxmot_reference.py)."""
    with open(detections) as fp:
        data = json.load(fp)
    os.makedirs(out, exist_ok=True)
    t0 = time.perf_counter()
    frames = 0
    for seq in data["sequences"]:
        lines = run(seq)
        frames += len(seq["frames"])
        with open(os.path.join(out, seq["name"] + ".txt"), "w") as fp:
            fp.write("\n".join(lines) + ("\n" if lines else ""))
    print(f"{name}: {len(data['sequences'])} sequences, {frames} frames, "
          f"{(time.perf_counter() - t0) * 1e3 / max(frames, 1):.3f} ms/frame (python, incl. mask->box)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("detections")
    ap.add_argument("out")
    ap.add_argument("--track-thresh", type=float, default=0.5)
    ap.add_argument("--buffer", type=int, default=30)
    args = ap.parse_args()
    track_all(args.detections, args.out, "bytetrack",
              lambda seq: run_sequence(seq, args.track_thresh, args.buffer))

if __name__ == "__main__":
    main()
