#!/usr/bin/env python3
"""Checks that maskstream's YouTube-VIS results JSON (YouTubeVISWriter) is read by
TrackEval's YouTubeVIS dataset: converts the synthetic MOTS ground truth written by
tools/tracking_synth.py to a YouTube-VIS ground-truth JSON (one category), runs
`maskstream-track-eval run ... --youtube-vis` and evaluates HOTA/CLEAR/Identity.

Usage (repository root, after `swift build -c release --product maskstream-track-eval`):
    tools/tracking_ytvis_check.py [--work /tmp/trk_ytvis] [--sequences 4] [--frames 150] [--seed 0]
"""
import argparse
import collections
import json
import os
import subprocess
import sys

import numpy as np
import trackeval
from pycocotools import mask as mask_utils

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tracking_eval import add_synth_args, evaluator, synthesize  # noqa: E402


def uncompressed(rle):
    """COCO RLE with counts as a list of ints (what YouTube-VIS ground truth uses)."""
    flat = mask_utils.decode(rle).flatten(order="F")
    change = np.flatnonzero(np.diff(np.r_[0, flat, 1 - flat[-1] if len(flat) else 0]))
    counts = np.diff(np.r_[0, change]).tolist()
    return {"size": rle["size"], "counts": counts}


def main():
    ap = argparse.ArgumentParser()
    add_synth_args(ap, work="/tmp/trk_ytvis")
    args = ap.parse_args()
    w = args.work
    synthesize(args)
    videos, annotations = [], []
    for s in range(args.sequences):
        name = f"synth{s:02d}"
        tracks = collections.defaultdict(lambda: [None] * args.frames)
        h = wd = 0
        with open(os.path.join(w, "gt", name, "gt", "gt.txt")) as fp:
            for line in fp:
                f, tid, _, h, wd, counts = line.split()
                h, wd = int(h), int(wd)
                tracks[int(tid)][int(f) - 1] = uncompressed({"size": [h, wd], "counts": counts})
        videos.append({"id": s + 1, "height": h, "width": wd, "length": args.frames,
                       "file_names": [f"{name}/{i:05d}.jpg" for i in range(args.frames)]})
        for tid, segs in tracks.items():
            areas = [int(sum(x["counts"][1::2])) if x else None for x in segs]
            annotations.append({"id": len(annotations) + 1, "video_id": s + 1, "category_id": 1, "iscrowd": 0,
                                "segmentations": segs, "areas": areas, "height": h, "width": wd})
    gt_dir = os.path.join(w, "gt_ytvis", "youtube_vis_train")
    os.makedirs(gt_dir, exist_ok=True)
    with open(os.path.join(gt_dir, "gt.json"), "w") as fp:
        json.dump({"videos": videos, "annotations": annotations, "categories": [{"id": 1, "name": "object"}]}, fp)
    out_dir = os.path.join(w, "trackers", "youtube_vis_train", "maskstream", "data")
    os.makedirs(out_dir, exist_ok=True)
    subprocess.run([args.bin, "run", os.path.join(w, "detections.json"), os.path.join(w, "mots"), "--class-id", "1",
                    "--youtube-vis", os.path.join(out_dir, "results.json")], check=True)
    ds_cfg = trackeval.datasets.YouTubeVIS.get_default_dataset_config()
    ds_cfg.update(GT_FOLDER=os.path.join(w, "gt_ytvis") + "/", TRACKERS_FOLDER=os.path.join(w, "trackers") + "/",
                  SPLIT_TO_EVAL="train", PRINT_CONFIG=False)
    res, _ = evaluator().evaluate(
        [trackeval.datasets.YouTubeVIS(ds_cfg)],
        [trackeval.metrics.HOTA(), trackeval.metrics.CLEAR(), trackeval.metrics.Identity()])
    r = res["YouTubeVIS"]["maskstream"]["COMBINED_SEQ"]["object"]
    print("YouTube-VIS (TrackEval): HOTA %.2f IDF1 %.2f MOTA %.2f IDSW %d" % (
        100 * r["HOTA"]["HOTA"].mean(), 100 * r["Identity"]["IDF1"], 100 * r["CLEAR"]["MOTA"], int(r["CLEAR"]["IDSW"])))


if __name__ == "__main__":
    main()
