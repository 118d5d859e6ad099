#!/usr/bin/env python3
"""Synthetic multi-object sequences with exact ground truth, and perturbed detections.

Objects are ellipses and rectangles moving with constant velocity plus a little
random acceleration, painted back to front (so nearer objects occlude farther
ones), entering and leaving the frame. Static occluder bars hide objects fully
for a while (re-entry after occlusion). Objects cross each other.

Ground truth is written in TrackEval's MOTSChallenge layout (SKIP_SPLIT_FOL):
    OUT/gt/<seq>/gt/gt.txt        lines "frame id class h w rle" (class 2, frames from 1)
    OUT/gt/<seq>/seqinfo.ini
Detections, derived from the ground truth with drops (more when occluded),
mask jitter (shift, dilate/erode), score noise (lower when occluded), class
flicker, false positives and noisy query-like embeddings, go to
    OUT/detections.json           (the format maskstream-track-eval and
                                   tools/bytetrack_baseline.py read)
Detections of a frame never overlap (painted in score order), as MOTS requires.

With --fixture FILE, instead writes only FILE: the detections JSON where every
detection also carries "gt", the ground-truth object it came from (-1 for a false
positive), for the Swift regression test (Tests/MaskstreamTrackingTests/Fixtures):
    tools/tracking_synth.py /tmp/x --sequences 1 --frames 60 --seed 7 \
        --fixture Tests/MaskstreamTrackingTests/Fixtures/synth_sequence.json

Usage: tools/tracking_synth.py OUT [--sequences 4] [--frames 150] [--seed 0] [--fixture FILE]
"""
import argparse
import json
import os

import numpy as np
from pycocotools import mask as mask_utils

H, W = 240, 320
NUM_CLASSES = 5
EMB_DIM = 32


def encode(mask):
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return rle["counts"].decode("ascii")


def shape_mask(kind, cx, cy, rx, ry, yy, xx):
    if kind == 0:
        return ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 <= 1.0
    return (np.abs(xx - cx) <= rx) & (np.abs(yy - cy) <= ry)


def shift(m, dy, dx):
    """Shifts a mask without wrapping around the borders."""
    out = np.zeros_like(m)
    h, w = m.shape
    out[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = m[max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return out


def dilate(m):
    out = m.copy()
    out[1:, :] |= m[:-1, :]
    out[:-1, :] |= m[1:, :]
    out[:, 1:] |= m[:, :-1]
    out[:, :-1] |= m[:, 1:]
    return out


def erode(m):
    return ~dilate(~m)


def make_objects(rng, frames):
    """Objects with entry frame, lifetime, start position and velocity."""
    objs = []
    n = int(rng.integers(8, 14))
    for k in range(n):
        start = 0 if k < n // 2 else int(rng.integers(0, frames * 2 // 3))
        # Enter from a side (or already inside at frame 0).
        speed = rng.uniform(0.8, 3.0)
        ang = rng.uniform(0, 2 * np.pi)
        vx, vy = speed * np.cos(ang), speed * np.sin(ang) * 0.6
        if start == 0:
            x, y = rng.uniform(30, W - 30), rng.uniform(30, H - 30)
        else:
            side = rng.integers(0, 2)
            x = -15.0 if side == 0 else W + 15.0
            vx = abs(vx) if side == 0 else -abs(vx)
            y = rng.uniform(30, H - 30)
        cls = int(rng.integers(1, NUM_CLASSES + 1))
        objs.append(dict(id=k + 1, start=start, x=x, y=y, vx=vx, vy=vy,
                         rx=rng.uniform(8, 22), ry=rng.uniform(8, 22), kind=int(rng.integers(0, 2)),
                         z=rng.uniform(0, 1), cls=cls, ident=rng.normal(size=EMB_DIM)))
    return objs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--sequences", type=int, default=4)
    ap.add_argument("--frames", type=int, default=150)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--fixture", default=None)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    class_vecs = rng.normal(size=(NUM_CLASSES + 1, EMB_DIM))
    class_vecs /= np.linalg.norm(class_vecs, axis=1, keepdims=True)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    sequences = []
    stats = dict(gt=0, det=0, fp=0, dropped=0)
    for s in range(args.sequences):
        name = f"synth{s:02d}"
        objs = make_objects(rng, args.frames)
        # Static occluders: vertical bars that hide objects passing behind them.
        bars = [(int(rng.integers(60, W - 80)), int(rng.integers(14, 26))) for _ in range(int(rng.integers(1, 3)))]
        gt_lines = []
        det_frames = []
        for f in range(args.frames):
            label = np.zeros((H, W), np.int32)
            full = {}
            for o in sorted(objs, key=lambda o: o["z"]):  # far to near
                if f < o["start"]:
                    continue
                m = shape_mask(o["kind"], o["x"], o["y"], o["rx"], o["ry"], yy, xx)
                full[o["id"]] = int(m.sum())
                label[m] = o["id"]
            for bx, bw in bars:  # occluders are nearest of all
                label[:, bx:bx + bw] = 0
            dets = []  # (score, mask, cls, emb)
            for o in objs:
                if f < o["start"]:
                    continue
                vis = label == o["id"]
                area = int(vis.sum())
                if area >= 20:
                    gt_lines.append(f"{f + 1} {2000 + o['id']} 2 {H} {W} {encode(vis)}")
                    stats["gt"] += 1
                    frac = area / max(1, full.get(o["id"], area))
                    if rng.uniform() < 0.05 + 0.35 * (1 - frac):
                        stats["dropped"] += 1
                    else:
                        m = shift(vis, int(rng.integers(-1, 2)), int(rng.integers(-1, 2)))
                        r = rng.uniform()
                        m = dilate(m) if r < 0.25 else (erode(m) if r < 0.5 else m)
                        if m.sum() >= 10:
                            score = float(np.clip(0.9 - 0.5 * (1 - frac) + rng.normal(0, 0.12), 0.05, 1.0))
                            cls = o["cls"] if rng.uniform() < 0.9 else int(rng.integers(1, NUM_CLASSES + 1))
                            e = 0.6 * class_vecs[o["cls"]] + 0.8 * o["ident"] / np.linalg.norm(o["ident"])
                            e = e + rng.normal(0, 0.5 / np.sqrt(EMB_DIM), EMB_DIM) * (1 + (1 - frac))
                            dets.append((score, m, cls, e, o["id"]))
                # Move.
            for o in objs:
                if f >= o["start"]:
                    o["vx"] += rng.normal(0, 0.05)
                    o["vy"] += rng.normal(0, 0.05)
                    o["x"] += o["vx"]
                    o["y"] += o["vy"]
            # False positives: random small blobs with mostly low scores.
            for _ in range(int(rng.poisson(0.6))):
                m = shape_mask(int(rng.integers(0, 2)), rng.uniform(0, W), rng.uniform(0, H),
                               rng.uniform(4, 12), rng.uniform(4, 12), yy, xx)
                if m.sum() >= 10:
                    c = int(rng.integers(1, NUM_CLASSES + 1))
                    dets.append((float(rng.uniform(0.1, 0.75)), m, c,
                                 0.6 * class_vecs[c] + 0.8 * rng.normal(size=EMB_DIM) / np.sqrt(EMB_DIM), -1))
                    stats["fp"] += 1
            # Non-overlapping: higher scores painted last win.
            dl = np.full((H, W), -1, np.int32)
            dets.sort(key=lambda d: d[0])
            for i, d in enumerate(dets):
                dl[d[1]] = i
            frame = []
            for i, (score, _, cls, e, gid) in enumerate(dets):
                m = dl == i
                if m.sum() < 10:
                    continue
                frame.append(dict(counts=encode(m), **{"class": cls}, score=round(score, 4),
                                  embedding=[round(float(v), 3) for v in e]))
                if args.fixture:
                    frame[-1]["gt"] = gid
                stats["det"] += 1
            det_frames.append(frame)
        sequences.append(dict(name=name, height=H, width=W, frames=det_frames))
        if args.fixture:
            continue
        seq_dir = os.path.join(args.out, "gt", name)
        os.makedirs(os.path.join(seq_dir, "gt"), exist_ok=True)
        with open(os.path.join(seq_dir, "gt", "gt.txt"), "w") as fp:
            fp.write("\n".join(gt_lines) + "\n")
        with open(os.path.join(seq_dir, "seqinfo.ini"), "w") as fp:
            fp.write(f"[Sequence]\nname={name}\nseqLength={args.frames}\nimWidth={W}\nimHeight={H}\n")
    if args.fixture:
        with open(args.fixture, "w") as fp:
            json.dump(dict(sequences=sequences), fp, separators=(",", ":"))
        print(f"wrote fixture {args.fixture}: {stats}")
        return
    with open(os.path.join(args.out, "detections.json"), "w") as fp:
        json.dump(dict(sequences=sequences), fp)
    print(f"wrote {len(sequences)} sequences to {args.out}: {stats}")


if __name__ == "__main__":
    main()
