#!/usr/bin/env python3
"""RLE encode+decode throughput: maskstream (Swift, release) vs pycocotools.

    /work/venvs/tools/bin/python benchmarks/rle_benchmark.py [--count 200] [--height 720] [--width 1280]

Generates the same masks for both (blobs, deterministic), times pycocotools
`encode` (row-major mask -> np.asfortranarray -> compressed string) and `decode`
(string -> mask), builds and runs the RLEBenchmark executable on the same
masks, checks both produce the same strings, and prints the ratio.
Best of REPEATS runs for each side.
"""
import argparse
import json
import os
import subprocess
import tempfile
import time

import numpy as np
from pycocotools import mask as mu


def make_masks(n, h, w, seed=5):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    out = np.zeros((n, h, w), np.uint8)
    for i in range(n):
        m = np.zeros((h, w), bool)
        for _ in range(int(rng.integers(1, 5))):
            cy, cx = rng.uniform(0, h), rng.uniform(0, w)
            ry, rx = rng.uniform(5, h / 3), rng.uniform(5, w / 3)
            m |= ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1
        out[i] = m
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--height", type=int, default=720)
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    masks = make_masks(a.count, a.height, a.width)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    best_enc = best_dec = best_fenc = float("inf")
    strings = None
    fortran = [np.asfortranarray(m) for m in masks]
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        for m in fortran:
            mu.encode(m)
        best_fenc = min(best_fenc, time.perf_counter() - t0)
        t0 = time.perf_counter()
        rles = [mu.encode(np.asfortranarray(m)) for m in masks]
        t1 = time.perf_counter()
        for r in rles:
            d = mu.decode(r)
        t2 = time.perf_counter()
        best_enc, best_dec = min(best_enc, t1 - t0), min(best_dec, t2 - t1)
        strings = [r["counts"].decode() for r in rles]

    best_iou = float("inf")
    first = rles[:100]
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        iou = mu.iou(first, first, [0] * len(first))
        best_iou = min(best_iou, time.perf_counter() - t0)
    iou_sum = float(np.sum(iou))

    subprocess.run(["swift", "build", "-c", "release", "--product", "RLEBenchmark"], cwd=root, check=True,
                   stdout=subprocess.DEVNULL)
    binpath = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=root, check=True,
                             capture_output=True, text=True).stdout.strip()
    with tempfile.NamedTemporaryFile(suffix=".bin", delete=False) as f:
        f.write(np.ascontiguousarray(masks).tobytes())
        path = f.name
    try:
        out = subprocess.run([os.path.join(binpath, "RLEBenchmark"), path, str(a.height), str(a.width),
                              str(a.count), str(a.repeats)], check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(path)
    sw = json.loads(out)
    expect_checksum = sum(int(m.reshape(-1)[m.size // 2]) for m in masks) + sum(len(s) for s in strings)
    assert sw["checksum"] == expect_checksum, f"checksum mismatch {sw['checksum']} != {expect_checksum}"

    assert abs(sw["iou_sum"] - iou_sum) < 1e-6, f"IoU sum mismatch {sw['iou_sum']} != {iou_sum}"

    mpix = a.count * a.height * a.width / 1e6
    py_total, sw_total = best_enc + best_dec, sw["encode_s"] + sw["decode_s"]
    print(f"{a.count} masks {a.height}x{a.width} ({mpix:.0f} Mpixel), best of {a.repeats}")
    print(f"pycocotools: encode {best_enc*1e3:8.1f} ms  decode {best_dec*1e3:8.1f} ms  total {py_total*1e3:8.1f} ms")
    print(f"pycocotools: encode from a column-major (Fortran) array, no copy: {best_fenc*1e3:8.1f} ms "
          f"(ratio {best_fenc/sw['encode_s']:.2f}x)")
    print(f"maskstream : encode {sw['encode_s']*1e3:8.1f} ms  decode {sw['decode_s']*1e3:8.1f} ms  total {sw_total*1e3:8.1f} ms")
    print(f"ratio (pycocotools / maskstream): encode {best_enc/sw['encode_s']:.2f}x  decode {best_dec/sw['decode_s']:.2f}x  "
          f"total {py_total/sw_total:.2f}x")
    n_iou = len(first)
    print(f"IoU matrix {n_iou}x{n_iou}: pycocotools {best_iou*1e3:.2f} ms  maskstream {sw['iou_s']*1e3:.2f} ms  "
          f"ratio {best_iou/sw['iou_s']:.2f}x")


if __name__ == "__main__":
    main()
