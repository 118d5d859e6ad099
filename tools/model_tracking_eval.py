#!/usr/bin/env python3
"""Tracking on the model's own detections: maskstream's tracker against ByteTrack and OC-SORT.

The evaluation set is the sample and the 8 held-out videos (tools/model_detections.py: 440
frames, the model's detections >= 0.1 with their query embeddings, cached in --cache),
split by video into a tuning half and a test half (SPLITS; the sample is in the test half;
6 extra 120-frame videos of unused seeds join the tuning half only).
Tune on `--split tune` only; `--split test` is for reporting.

At each detection threshold (--thresholds, default 0.1 0.3 0.5: every tracker gets exactly
the detections scoring at least it) the same detections go through

* maskstream (`maskstream-track-eval`, default `TrackerConfig`, or --config) and the same
  tracker without embeddings,
* the minimal ByteTrack of tools/bytetrack_baseline.py,
* boxmot's ByteTrack and OC-SORT with default parameters (installed into their own venv,
  --boxmot-venv, on first use),

and TrackEval (MOTSChallenge, class-agnostic) scores them against the videos' MOTS ground
truth. The pipeline's own output (`maskstream run pipelines/default.yaml` on every video of
the split: its own Vulkan detections, tracker and emission; for the sample `make demo`'s
out/sample.mots.txt with --demo-mots) is scored too, and on the sample against ByteTrack.

    tools/.venv/bin/python tools/model_tracking_eval.py --split test

prints one table and, as its last line, a JSON summary at the first threshold (the
pipeline's default detection threshold, tracker.low_score_threshold = 0.1); "bytetrack" is
the better (by HOTA) of the minimal and boxmot's ByteTrack, named in "bytetrack_impl".
"""
import argparse
import contextlib
import io
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

#: Videos of each half (tools/model_detections.py names them); never tune on "test".
SPLITS = {
    "tune": ["heldout_9100", "heldout_9102", "heldout_9104", "heldout_9106"]
    + [f"tune_{s}" for s in range(9200, 9206)],
    "test": ["sample", "heldout_9101", "heldout_9103", "heldout_9105", "heldout_9107"],
}
SPLITS["all"] = SPLITS["tune"][:4] + SPLITS["test"]  # the 440 frames of the sample and held-out set


def ensure_boxmot(venv):
    """The python of a venv with tools/requirements-boxmot.txt, created on first use; it sees
    this venv's packages (torch is pinned there)."""
    py = os.path.join(venv, "bin", "python")
    if os.path.exists(py) and subprocess.run([py, "-c", "import boxmot"], capture_output=True).returncode == 0:
        return py
    print(f"setting up boxmot in {venv} (once)", flush=True)
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    site = [p for p in sys.path if p.endswith("site-packages")][0]
    ver = f"python{sys.version_info.major}.{sys.version_info.minor}"
    with open(os.path.join(venv, "lib", ver, "site-packages", "tools.pth"), "w") as fp:
        fp.write(site + "\n")
    subprocess.run([os.path.join(venv, "bin", "pip"), "install", "-q", "-r",
                    os.path.join(HERE, "requirements-boxmot.txt"), "-c", os.path.join(HERE, "requirements.txt")],
                   check=True)
    return py


def ensure_binary(path, product):
    """Builds the release PRODUCT when PATH is missing."""
    if not os.path.exists(path):
        print(f"building {product} (release)", flush=True)
        subprocess.run(["swift", "build", "-c", "release", "--product", product], cwd=ROOT, check=True)
    return path


def write_gt(gt_path, work, seq, frames, h, w):
    """The MOTS ground truth of SEQ in TrackEval's MOTSChallenge layout (frames from 1, one class)."""
    os.makedirs(os.path.join(work, "gt", seq, "gt"), exist_ok=True)
    with open(gt_path) as fp, open(os.path.join(work, "gt", seq, "gt", "gt.txt"), "w") as out:
        for line in fp:
            f, i, _c, hh, ww, rle = line.split(maxsplit=5)
            out.write(f"{int(f) + 1} {i} 2 {hh} {ww} {rle.strip()}\n")
    with open(os.path.join(work, "gt", seq, "seqinfo.ini"), "w") as fp:
        fp.write(f"[Sequence]\nname={seq}\nseqLength={frames}\nimWidth={w}\nimHeight={h}\n")


def prepare(videos, names, threshold, work):
    """WORK/detections.json with the detections of NAMES scoring >= THRESHOLD, and WORK/gt."""
    seqs = []
    for name, dets, gt, frames in videos:
        if name not in names:
            continue
        with open(dets) as fp:
            seq = json.load(fp)
        seq["frames"] = [[d for d in f if d["score"] >= threshold] for f in seq["frames"]]
        seqs.append(seq)
        write_gt(gt, work, name, frames, seq["height"], seq["width"])
    path = os.path.join(work, "detections.json")
    with open(path, "w") as fp:
        json.dump({"sequences": seqs}, fp)
    return path, {s["name"]: len(s["frames"]) for s in seqs}


def scores(work, names, seq_info):
    """TrackEval MOTSChallenge of WORK/trackers/<name>/data: {name: {seq or COMBINED_SEQ: metrics}}."""
    import trackeval
    from tracking_eval import evaluator
    ds = trackeval.datasets.MOTSChallenge.get_default_dataset_config()
    ds.update(GT_FOLDER=os.path.join(work, "gt"), TRACKERS_FOLDER=os.path.join(work, "trackers"),
              SKIP_SPLIT_FOL=True, SEQ_INFO=seq_info, TRACKERS_TO_EVAL=list(names), PRINT_CONFIG=False)
    with contextlib.redirect_stdout(io.StringIO()):  # TrackEval prints its configs
        metrics = [trackeval.metrics.HOTA(), trackeval.metrics.CLEAR(), trackeval.metrics.Identity()]
        res, _ = evaluator().evaluate([trackeval.datasets.MOTSChallenge(ds)], metrics)
    out = {}
    for name in names:
        out[name] = {}
        for seq, r in res["MOTSChallenge"][name].items():
            r = r["pedestrian"]
            out[name][seq] = {"HOTA": 100 * r["HOTA"]["HOTA"].mean(), "DetA": 100 * r["HOTA"]["DetA"].mean(),
                              "AssA": 100 * r["HOTA"]["AssA"].mean(), "IDF1": 100 * r["Identity"]["IDF1"],
                              "IDSW": int(r["CLEAR"]["IDSW"]), "MOTA": 100 * r["CLEAR"]["MOTA"]}
    return out


def runs(dets, work, args, boxmot_python):
    from tracking_eval import tracker_runs
    cmds = tracker_runs(dets, work, args.bin, boxmot_python)
    if args.config:
        cmds["maskstream"] += ["--config", args.config]
    for name, cmd in cmds.items():
        subprocess.run(cmd, check=True, capture_output=True, text=True)
    return list(cmds)


def pipeline_mots(args, names, work):
    """{video: the pipeline's MOTS output on it}: pipelines/default.yaml run on every video of the
    split (--pipeline-set overrides keys), the sample's from --demo-mots when given (`make demo`)."""
    binary = ensure_binary(args.maskstream, "maskstream")
    out = {}
    for name in names:
        if name == "sample" and args.demo_mots:
            out[name] = args.demo_mots
            continue
        mp4 = os.path.join(ROOT, "examples/sample.mp4") if name == "sample" else os.path.join(args.cache, name + ".mp4")
        folder = os.path.join(work, "runs", name)
        cmd = [binary, "run", os.path.join(ROOT, "pipelines/default.yaml"), "--input", mp4, "--output", folder,
               "--no-progress"]
        for kv in args.pipeline_set:
            cmd += ["--set", kv]
        subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
        stem = os.path.splitext(os.path.basename(mp4))[0]
        os.replace(os.path.join(folder, "sample.mots.txt"), os.path.join(folder, stem + ".pipeline.mots.txt"))
        out[name] = os.path.join(folder, stem + ".pipeline.mots.txt")
    return out


def score_pipeline(mots, videos, work):
    """TrackEval of the pipeline's MOTS outputs (0-based frames, overlaps to the earlier line) as
    tracker 'pipeline': {video or COMBINED_SEQ: metrics}."""
    import eval_sample_tracking as est
    info = {}
    data = os.path.join(work, "trackers", "pipeline", "data")
    os.makedirs(data, exist_ok=True)
    for name, dets, gt, frames in videos:
        if name not in mots:
            continue
        with open(dets) as fp:
            seq = json.load(fp)
        write_gt(gt, work, name, frames, seq["height"], seq["width"])
        est.write(est.read(mots[name]), os.path.join(data, name + ".txt"), resolve=True)
        info[name] = frames
    return scores(work, ["pipeline"], info)["pipeline"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=sorted(SPLITS), required=True)
    ap.add_argument("--thresholds", type=float, nargs="+", default=[0.1, 0.3, 0.5])
    ap.add_argument("--model", default=os.path.join(ROOT, "models/default"))
    ap.add_argument("--cache", default="/tmp/maskstream-trk")
    ap.add_argument("--work", default="/tmp/model_trk_eval")
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build/release/maskstream-track-eval"))
    ap.add_argument("--maskstream", default=os.path.join(ROOT, ".build/release/maskstream"))
    ap.add_argument("--config", default="", help="maskstream TrackerConfig JSON (default: the defaults)")
    ap.add_argument("--boxmot-venv", default="/tmp/maskstream-boxmot-venv")
    ap.add_argument("--no-boxmot", action="store_true")
    ap.add_argument("--demo-mots", default="", help="make demo's out/sample.mots.txt (default: run the pipeline)")
    ap.add_argument("--no-pipeline", action="store_true", help="skip the pipeline's own runs")
    ap.add_argument("--pipeline-set", action="append", default=[], help="KEY=VALUE for the pipeline runs")
    a = ap.parse_args()
    import model_detections as md
    videos = md.ensure(a.model, a.cache)
    ensure_binary(a.bin, "maskstream-track-eval")
    boxmot_python = "" if a.no_boxmot else ensure_boxmot(a.boxmot_venv)
    names = SPLITS[a.split]
    frames = sum(v[3] for v in videos if v[0] in names)
    print(f"split {a.split}: {len(names)} videos, {frames} frames ({', '.join(names)})")
    table = {}
    for t in a.thresholds:
        work = os.path.join(a.work, a.split, f"t{t:g}")
        dets, seq_info = prepare(videos, names, t, work)
        trackers = runs(dets, work, a, boxmot_python)
        table[t] = scores(work, trackers, seq_info)
    pipeline = None
    if not a.no_pipeline:
        work = os.path.join(a.work, a.split, "pipeline")
        pipeline = score_pipeline(pipeline_mots(a, names, work), videos, work)

    print("| det ≥ | tracker | HOTA | DetA | AssA | IDF1 | IDSW | MOTA |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    row = "| %s | %s | %.2f | %.2f | %.2f | %.2f | %d | %.2f |"
    keys = ("HOTA", "DetA", "AssA", "IDF1", "IDSW", "MOTA")
    for t, res in table.items():
        for name, r in res.items():
            print(row % ((f"{t:g}", name) + tuple(r["COMBINED_SEQ"][k] for k in keys)))
    t0 = a.thresholds[0]
    first = table[t0]
    if pipeline:
        print(row % (("0.1", "pipeline (default.yaml, its own detections)") +
                     tuple(pipeline["COMBINED_SEQ"][k] for k in keys)))
    if pipeline and "sample" in pipeline:
        print(row % (("0.1", "pipeline (default.yaml), sample only") + tuple(pipeline["sample"][k] for k in keys)))
        for name in first:
            if name == "maskstream" or "bytetrack" in name:
                print(row % ((f"{t0:g}", f"{name}, sample only") + tuple(first[name]["sample"][k] for k in keys)))
    bt = max((n for n in first if "bytetrack" in n), key=lambda n: first[n]["COMBINED_SEQ"]["HOTA"])
    ms, b = first["maskstream"]["COMBINED_SEQ"], first[bt]["COMBINED_SEQ"]
    summary = {"split": a.split, "threshold": t0, "frames": frames,
               "maskstream_hota": round(ms["HOTA"], 2), "maskstream_idf1": round(ms["IDF1"], 2),
               "maskstream_idsw": ms["IDSW"], "bytetrack_hota": round(b["HOTA"], 2),
               "bytetrack_idf1": round(b["IDF1"], 2), "bytetrack_idsw": b["IDSW"], "bytetrack_impl": bt}
    if pipeline:
        p = pipeline["COMBINED_SEQ"]
        summary.update(pipeline_hota=round(p["HOTA"], 2), pipeline_idf1=round(p["IDF1"], 2), pipeline_idsw=p["IDSW"])
    if pipeline and "sample" in pipeline:
        bs, ps = first[bt]["sample"], pipeline["sample"]
        summary.update(pipeline_sample_hota=round(ps["HOTA"], 2), pipeline_sample_idf1=round(ps["IDF1"], 2),
                       pipeline_sample_idsw=ps["IDSW"], bytetrack_sample_hota=round(bs["HOTA"], 2),
                       bytetrack_sample_idf1=round(bs["IDF1"], 2), bytetrack_sample_idsw=bs["IDSW"])
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
