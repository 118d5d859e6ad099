#!/usr/bin/env python3
"""End-to-end tracking evaluation: synthetic sequences -> maskstream tracker and
the ByteTrack baseline -> TrackEval (MOTSChallenge metrics: HOTA, CLEAR, Identity).

Usage (from the repository root, after `swift build -c release --product maskstream-track-eval`):
    tools/tracking_eval.py [--work /tmp/trk_eval] [--sequences 4] [--frames 150] [--seed 0]
                           [--boxmot-python /path/to/boxmot-venv/bin/python]
Prints a markdown table of HOTA, IDF1, MOTA, ID switches per tracker.
"""
import argparse
import json
import os
import subprocess
import sys

import trackeval

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def main():
    ap = argparse.ArgumentParser()
    add_synth_args(ap, work="/tmp/trk_eval")
    ap.add_argument("--boxmot-python", default="",
                    help="python of a venv with tools/requirements-boxmot.txt: adds boxmot's ByteTrack and "
                         "OC-SORT (default parameters) as references")
    args = ap.parse_args()
    w = args.work
    synthesize(args)
    runs = tracker_runs(os.path.join(w, "detections.json"), w, args.bin, args.boxmot_python)
    for name, cmd in runs.items():
        print(name, "->", subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip())

    seq_info = {f"synth{s:02d}": args.frames for s in range(args.sequences)}
    print_table(evaluate(w, list(runs), seq_info))


def add_synth_args(ap, work):
    """The options of a run on tools/tracking_synth.py sequences: the work folder, how many
    sequences of how many frames from which seed, and the maskstream-track-eval binary."""
    ap.add_argument("--work", default=work)
    ap.add_argument("--sequences", type=int, default=4)
    ap.add_argument("--frames", type=int, default=150)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build/release/maskstream-track-eval"))


def synthesize(args):
    """Writes the synthetic sequences of ARGS (see add_synth_args) into ARGS.work."""
    subprocess.run([sys.executable, os.path.join(HERE, "tracking_synth.py"), args.work,
                    "--sequences", str(args.sequences), "--frames", str(args.frames), "--seed", str(args.seed)],
                   check=True)


def evaluator():
    """A TrackEval evaluator that prints and writes nothing and runs in this process."""
    ev_cfg = trackeval.Evaluator.get_default_eval_config()
    ev_cfg.update(PRINT_RESULTS=False, PRINT_CONFIG=False, TIME_PROGRESS=False, OUTPUT_SUMMARY=False,
                  OUTPUT_DETAILED=False, PLOT_CURVES=False, USE_PARALLEL=False)
    return trackeval.Evaluator(ev_cfg)


def tracker_runs(dets, work, bin_path, boxmot_python=""):
    """Commands that track DETS into WORK/trackers/<name>/data: maskstream, the same tracker
    without embeddings (mask IoU + class only), the minimal ByteTrack and, with a boxmot
    venv's python, boxmot's ByteTrack and OC-SORT."""
    py = sys.executable
    trackers = os.path.join(work, "trackers")
    noemb = os.path.join(work, "noemb.json")
    with open(noemb, "w") as fp:
        json.dump({"embeddingWeight": 0.0, "reidSimilarity": 2.0}, fp)
    runs = {
        "maskstream": [bin_path, "run", dets, os.path.join(trackers, "maskstream", "data"), "--class-id", "2"],
        "maskstream-noemb": [bin_path, "run", dets, os.path.join(trackers, "maskstream-noemb", "data"),
                             "--class-id", "2", "--config", noemb],
        "bytetrack": [py, os.path.join(HERE, "bytetrack_baseline.py"), dets,
                      os.path.join(trackers, "bytetrack", "data")],
    }
    if boxmot_python:
        for name in ("bytetrack", "ocsort"):
            runs[f"boxmot-{name}"] = [boxmot_python, os.path.join(HERE, "boxmot_reference.py"), name, dets,
                                      os.path.join(trackers, f"boxmot-{name}", "data")]
    return runs


def evaluate(work, names, seq_info):
    """TrackEval MOTSChallenge (HOTA, CLEAR, Identity) of WORK/trackers/<name>/data against
    WORK/gt; returns rows (name, HOTA, IDF1, MOTA, IDSW, Frag, AssA, DetA)."""
    ds_cfg = trackeval.datasets.MOTSChallenge.get_default_dataset_config()
    ds_cfg.update(GT_FOLDER=os.path.join(work, "gt"), TRACKERS_FOLDER=os.path.join(work, "trackers"),
                  SKIP_SPLIT_FOL=True, SEQ_INFO=seq_info, TRACKERS_TO_EVAL=list(names), PRINT_CONFIG=False)
    metrics = [trackeval.metrics.HOTA(), trackeval.metrics.CLEAR(), trackeval.metrics.Identity()]
    res, _ = evaluator().evaluate([trackeval.datasets.MOTSChallenge(ds_cfg)], metrics)
    rows = []
    for name in names:
        r = res["MOTSChallenge"][name]["COMBINED_SEQ"]["pedestrian"]
        rows.append((name, 100 * r["HOTA"]["HOTA"].mean(), 100 * r["Identity"]["IDF1"],
                     100 * r["CLEAR"]["MOTA"], int(r["CLEAR"]["IDSW"]), int(r["CLEAR"]["Frag"]),
                     100 * r["HOTA"]["AssA"].mean(), 100 * r["HOTA"]["DetA"].mean()))
    return rows


def print_table(rows):
    print("| tracker | HOTA | IDF1 | MOTA | IDSW | Frag | AssA | DetA |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        print("| %s | %.2f | %.2f | %.2f | %d | %d | %.2f | %.2f |" % row)


if __name__ == "__main__":
    main()
