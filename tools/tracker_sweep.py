#!/usr/bin/env python3
"""Scores maskstream tracker configurations on a prepared evaluation folder (for tuning).

WORK is a folder tools/model_tracking_eval.py prepared (WORK/detections.json, WORK/gt), e.g.
/tmp/model_trk_eval/tune/t0.1; only ever sweep a tuning folder. Each CONFIG is a JSON
object of TrackerConfig keys (camelCase) over the defaults; one line per config:
HOTA, DetA, AssA, IDF1 and ID switches (TrackEval, MOTSChallenge, class-agnostic).

    tools/.venv/bin/python tools/tracker_sweep.py /tmp/model_trk_eval/tune/t0.1 '{}' '{"minIoU": 0.2}'
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model_tracking_eval import scores  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("work")
    ap.add_argument("configs", nargs="+")
    ap.add_argument("--bin", default=os.path.join(os.path.dirname(HERE), ".build/release/maskstream-track-eval"))
    a = ap.parse_args()
    dets = os.path.join(a.work, "detections.json")
    with open(dets) as fp:
        seq_info = {s["name"]: len(s["frames"]) for s in json.load(fp)["sequences"]}
    for k, text in enumerate(a.configs):
        name, cfg = f"sweep{k}", os.path.join(a.work, f"sweep{k}.json")
        with open(cfg, "w") as fp:
            json.dump(json.loads(text), fp)
        subprocess.run([a.bin, "run", dets, os.path.join(a.work, "trackers", name, "data"), "--class-id", "2",
                        "--config", cfg], check=True, capture_output=True)
        r = scores(a.work, [name], seq_info)[name]["COMBINED_SEQ"]
        print(text, " ".join(f"{m} {r[m]:.2f}" for m in ("HOTA", "DetA", "AssA", "IDF1")), "IDSW", r["IDSW"],
              flush=True)


if __name__ == "__main__":
    main()
