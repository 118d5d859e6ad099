#!/usr/bin/env python3
"""Class-agnostic tracking quality of a maskstream run against the sample's ground truth.

    maskstream run pipelines/default.yaml          # writes out/sample.mots.txt
    /work/venvs/tools/bin/python tools/eval_sample_tracking.py \
        --gt examples/sample.mots.txt --pred out/sample.mots.txt --frames 120

Both files are MOTS txt with 0-based frames. They are rewritten in TrackEval's
MOTSChallenge layout (frames from 1, every object class 2, overlaps in the prediction
resolved in favour of the earlier line) and scored with TrackEval: HOTA, IDF1, MOTA, IDSW.
"""
import argparse
import os
import tempfile

import numpy as np
import trackeval
from pycocotools import mask as maskutils


def read(path):
    rows = []
    with open(path) as fp:
        for line in fp:
            f, i, _c, h, w, rle = line.split(maxsplit=5)
            rows.append((int(f), int(i), int(h), int(w), rle.strip()))
    return rows


def write(rows, path, resolve):
    by_frame = {}
    for r in rows:
        by_frame.setdefault(r[0], []).append(r)
    with open(path, "w") as fp:
        for f in sorted(by_frame):
            taken = None
            for _, i, h, w, counts in by_frame[f]:
                rle = {"size": [h, w], "counts": counts.encode()}
                if resolve:
                    m = maskutils.decode(rle).astype(bool)
                    if taken is None:
                        taken = np.zeros_like(m)
                    m &= ~taken
                    taken |= m
                    if not m.any():
                        continue
                    rle = maskutils.encode(np.asfortranarray(m.astype(np.uint8)))
                    counts = rle["counts"].decode()
                fp.write(f"{f + 1} {i} 2 {h} {w} {counts}\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gt", required=True)
    ap.add_argument("--pred", required=True)
    ap.add_argument("--frames", type=int, required=True)
    args = ap.parse_args()
    gt, pred = read(args.gt), read(args.pred)
    h, w = gt[0][2], gt[0][3]
    with tempfile.TemporaryDirectory() as work:
        seq = "sample"
        os.makedirs(os.path.join(work, "gt", seq, "gt"))
        write(gt, os.path.join(work, "gt", seq, "gt", "gt.txt"), resolve=False)
        with open(os.path.join(work, "gt", seq, "seqinfo.ini"), "w") as fp:
            fp.write(f"[Sequence]\nname={seq}\nseqLength={args.frames}\nimWidth={w}\nimHeight={h}\n")
        os.makedirs(os.path.join(work, "trackers", "maskstream", "data"))
        write(pred, os.path.join(work, "trackers", "maskstream", "data", f"{seq}.txt"), resolve=True)
        ev = trackeval.Evaluator.get_default_eval_config()
        ev.update(PRINT_RESULTS=False, PRINT_CONFIG=False, TIME_PROGRESS=False, OUTPUT_SUMMARY=False,
                  OUTPUT_DETAILED=False, PLOT_CURVES=False, USE_PARALLEL=False)
        ds = trackeval.datasets.MOTSChallenge.get_default_dataset_config()
        ds.update(GT_FOLDER=os.path.join(work, "gt"), TRACKERS_FOLDER=os.path.join(work, "trackers"), SKIP_SPLIT_FOL=True,
                  SEQ_INFO={seq: args.frames}, TRACKERS_TO_EVAL=["maskstream"], PRINT_CONFIG=False)
        res, _ = trackeval.Evaluator(ev).evaluate(
            [trackeval.datasets.MOTSChallenge(ds)],
            [trackeval.metrics.HOTA(), trackeval.metrics.CLEAR(), trackeval.metrics.Identity()])
    r = res["MOTSChallenge"]["maskstream"]["COMBINED_SEQ"]["pedestrian"]
    print("| HOTA | DetA | AssA | IDF1 | MOTA | IDSW |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    print("| %.2f | %.2f | %.2f | %.2f | %.2f | %d |" % (
        100 * r["HOTA"]["HOTA"].mean(), 100 * r["HOTA"]["DetA"].mean(), 100 * r["HOTA"]["AssA"].mean(),
        100 * r["Identity"]["IDF1"], 100 * r["CLEAR"]["MOTA"], int(r["CLEAR"]["IDSW"])))


if __name__ == "__main__":
    main()
