#!/usr/bin/env python3
"""Runs boxmot's ByteTrack or OC-SORT on a maskstream detections JSON and writes MOTS txt.

boxmot (AGPL-3.0) is used only as an external reference tool: it is installed in its
own venv from tools/requirements-boxmot.txt, nothing of it is copied into maskstream.

Input: the detections JSON of tools/tracking_synth.py (``{"sequences": [{"name",
"height", "width", "frames": [[{"counts", "score", "class"}, ...], ...]}]}``).
Boxes are the tight boxes of the detection masks (pycocotools ``toBbox``); boxmot gets
``[x1, y1, x2, y2, score, class]`` rows and returns ``[..., track_id, score, class,
det_index]``, so each output row carries the mask of the detection it was matched to.
Output: OUT_DIR/<sequence>.txt, lines ``frame id 2 h w rle`` (frames from 1, ids from
1), the layout TrackEval's MOTSChallenge reader takes.  Tracker parameters are
boxmot's defaults.

    python tools/boxmot_reference.py bytetrack detections.json OUT_DIR
    python tools/boxmot_reference.py ocsort detections.json OUT_DIR
"""
import argparse
import logging
import os
import sys

import numpy as np
from pycocotools import mask as mask_utils

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bytetrack_baseline import track_all  # noqa: E402


def make_tracker(name: str):
    from boxmot import ByteTrack, OcSort
    if name == "bytetrack":
        return ByteTrack()
    if name == "ocsort":
        return OcSort()
    raise SystemExit(f"unknown tracker {name!r} (bytetrack, ocsort)")


def run_sequence(name: str, seq: dict) -> list[str]:
    tracker = make_tracker(name)
    h, w = seq["height"], seq["width"]
    img = np.zeros((h, w, 3), np.uint8)  # boxmot wants an image; the box trackers never read it
    lines = []
    for f, frame in enumerate(seq["frames"], start=1):
        if frame:
            boxes = mask_utils.toBbox([{"size": [h, w], "counts": d["counts"]} for d in frame])
            dets = np.array([[b[0], b[1], b[0] + b[2], b[1] + b[3], d["score"], d.get("class", 0)]
                             for b, d in zip(boxes, frame)], np.float64)
        else:
            dets = np.zeros((0, 6))
        out = tracker.update(dets, img)
        used = set()
        for row in np.asarray(out).reshape(-1, 8):
            k = int(row[7])
            if k < 0 or k >= len(frame) or k in used:
                continue  # a track without a detection in this frame (prediction only): no mask
            used.add(k)
            lines.append(f"{f} {int(row[4]) + 1} 2 {h} {w} {frame[k]['counts']}")
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("tracker", choices=["bytetrack", "ocsort"])
    ap.add_argument("detections")
    ap.add_argument("out")
    a = ap.parse_args()
    logging.disable(logging.WARNING)
    try:
        from loguru import logger
        logger.remove()
    except ImportError:
        pass
    track_all(a.detections, a.out, f"boxmot {a.tracker}", lambda seq: run_sequence(a.tracker, seq))

if __name__ == "__main__":
    main()
