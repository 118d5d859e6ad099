#!/usr/bin/env python3
"""Mask evaluation at a larger scale: maskstream vs pycocotools COCOeval.

    /work/venvs/tools/bin/python benchmarks/eval_benchmark.py [--images 300]

Generates a synthetic COCO scenario with the fixture generator
(tools/make_mask_fixtures.py, polygons + RLE + uncompressed RLE + crowds),
times pycocotools (loadRes + evaluate + accumulate + summarize) and the
RLEBenchmark `eval` mode (file loading included), checks the 12 stats agree
within 1e-4 and prints the ratio.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import make_mask_fixtures as fx  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=300)
    a = ap.parse_args()
    gt, preds = fx.coco_scenario(123, False, True, image_ids=list(range(1, a.images + 1)))
    with tempfile.TemporaryDirectory() as d:
        gp, pp = os.path.join(d, "gt.json"), os.path.join(d, "pred.json")
        fx.write(gp, gt)
        fx.write(pp, preds)
        t0 = time.perf_counter()
        stats = fx.run_cocoeval(gt, preds)
        py = time.perf_counter() - t0
        subprocess.run(["swift", "build", "-c", "release", "--product", "RLEBenchmark"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        binpath = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT, check=True,
                                 capture_output=True, text=True).stdout.strip()
        out = subprocess.run([os.path.join(binpath, "RLEBenchmark"), "eval", gp, pp], check=True,
                             capture_output=True, text=True).stdout
    sw = json.loads(out)
    diff = max(abs(x - y) for x, y in zip(stats, sw["stats"]))
    print(f"{a.images} images, {len(gt['annotations'])} GT, {len(preds)} predictions")
    print(f"pycocotools: {py*1e3:.0f} ms   maskstream: {sw['seconds']*1e3:.0f} ms   ratio {py/sw['seconds']:.2f}x")
    print(f"max |stat difference| = {diff:.2e}  ({'OK' if diff < 1e-4 else 'MISMATCH'})")
    print("stats:", [round(v, 4) for v in stats])
    sys.exit(0 if diff < 1e-4 else 1)


if __name__ == "__main__":
    main()
