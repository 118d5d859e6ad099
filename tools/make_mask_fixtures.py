#!/usr/bin/env python3
"""Generate the MaskstreamMasks and MaskstreamEvaluation golden fixtures with pycocotools.

Run from the repository root:

    /work/venvs/tools/bin/python tools/make_mask_fixtures.py

Writes Tests/MaskstreamMasksTests/Fixtures/{rle_cases,polygon_cases}.json and the
evaluation scenarios under Tests/MaskstreamEvaluationTests/Fixtures/eval/. Deterministic
(fixed seeds).
"""
import base64
import copy
import io
import json
import os
import contextlib
from collections import defaultdict

import numpy as np
from pycocotools import mask as mu
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

OUT = os.path.join("Tests", "MaskstreamMasksTests", "Fixtures")
EVAL_OUT = os.path.join("Tests", "MaskstreamEvaluationTests", "Fixtures", "eval")


def b64_mask(m):
    """Row-major mask bits, packed MSB first, base64."""
    return base64.b64encode(np.packbits(m.astype(np.uint8).reshape(-1)).tobytes()).decode()


def enc(m):
    return mu.encode(np.asfortranarray(m.astype(np.uint8)))


def s(rle):
    c = rle["counts"]
    return c.decode() if isinstance(c, bytes) else c


def runs_of(m):
    """Column-major runs starting with zeros, computed independently of pycocotools."""
    flat = m.T.reshape(-1).astype(np.uint8)
    counts, cur, run = [], 0, 0
    for v in flat:
        if v != cur:
            counts.append(run)
            run, cur = 0, v
        run += 1
    counts.append(run)
    return counts


def random_mask(rng, h, w, kind):
    if kind == "empty":
        return np.zeros((h, w), np.uint8)
    if kind == "full":
        return np.ones((h, w), np.uint8)
    if kind == "noise":
        return (rng.random((h, w)) < rng.uniform(0.05, 0.95)).astype(np.uint8)
    # blobs: a few ellipses
    yy, xx = np.mgrid[0:h, 0:w]
    m = np.zeros((h, w), bool)
    for _ in range(rng.integers(1, 4)):
        cy, cx = rng.uniform(0, h), rng.uniform(0, w)
        ry, rx = rng.uniform(0.5, h / 2 + 1), rng.uniform(0.5, w / 2 + 1)
        m |= ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1
    return m.astype(np.uint8)


def rle_cases():
    rng = np.random.default_rng(1234)
    sizes = [(1, 1), (1, 7), (7, 1), (2, 3), (5, 5), (16, 9), (31, 64), (64, 31), (97, 131), (120, 160), (240, 320)]
    kinds = ["empty", "full", "noise", "blobs", "blobs"]
    groups = []
    for (h, w) in sizes:
        masks = []
        for kind in kinds:
            if h * w > 20000 and kind == "noise":
                continue
            masks.append(random_mask(rng, h, w, kind))
        if h * w <= 20000:
            masks.append(random_mask(rng, h, w, "blobs"))
        rles = [enc(m) for m in masks]
        cases = []
        for m, r in zip(masks, rles):
            assert runs_of(m) == [int(x) for x in _decode_counts(s(r))], "runs mismatch"
            cases.append({
                "mask": b64_mask(m),
                "counts": runs_of(m),
                "compressed": s(r),
                "area": int(mu.area(r)),
                "bbox": [float(v) for v in mu.toBbox(r)],
            })
        crowd = [int(v) for v in rng.integers(0, 2, len(rles))]
        iou = mu.iou(rles, rles, crowd)
        groups.append({
            "height": h,
            "width": w,
            "cases": cases,
            "isCrowd": crowd,
            "iou": np.asarray(iou).tolist(),
            "union": s(mu.merge(rles, intersect=False)),
            "intersection": s(mu.merge(rles[2:4], intersect=True)),
        })
    # one large mask with big counts (multi-character deltas, negative deltas)
    big = random_mask(rng, 720, 1280, "blobs")
    r = enc(big)
    groups.append({"height": 720, "width": 1280, "cases": [{
        "mask": b64_mask(big), "counts": runs_of(big), "compressed": s(r),
        "area": int(mu.area(r)), "bbox": [float(v) for v in mu.toBbox(r)]}],
        "isCrowd": [0], "iou": [[1.0]], "union": s(r), "intersection": None})
    return {"groups": groups}


def _decode_counts(st):
    """Independent decoder of the compressed string (used as a cross-check only)."""
    counts, p = [], 0
    while p < len(st):
        x, k, more = 0, 0, True
        while more:
            c = ord(st[p]) - 48
            x |= (c & 0x1F) << (5 * k)
            more = c & 0x20
            p += 1
            k += 1
            if not more and (c & 0x10):
                x |= -1 << (5 * k)
        if len(counts) > 2:
            x += counts[-2]
        counts.append(x)
    return counts


def random_polygon(rng, h, w):
    n = int(rng.integers(3, 12))
    cx, cy = rng.uniform(-5, w + 5), rng.uniform(-5, h + 5)
    r = rng.uniform(1, max(h, w))
    ang = np.sort(rng.uniform(0, 2 * np.pi, n))
    rad = r * rng.uniform(0.3, 1.0, n)
    xs = cx + rad * np.cos(ang)
    ys = cy + rad * np.sin(ang)
    pts = np.stack([xs, ys], 1).reshape(-1)
    if rng.random() < 0.3:
        pts = np.round(pts * 2) / 2  # half-pixel vertices hit the edge cases
    return [float(v) for v in pts]


def polygon_cases():
    rng = np.random.default_rng(99)
    cases = []
    for i in range(120):
        h, w = int(rng.integers(1, 90)), int(rng.integers(1, 90))
        polys = [random_polygon(rng, h, w) for _ in range(int(rng.integers(1, 3)))]
        rles = mu.frPyObjects(polys, h, w)
        merged = mu.merge(rles)
        cases.append({"height": h, "width": w, "polygons": polys,
                      "each": [s(r) for r in rles], "merged": s(merged)})
    boxes = []
    for i in range(40):
        h, w = int(rng.integers(1, 60)), int(rng.integers(1, 60))
        bb = [float(rng.uniform(-3, w)), float(rng.uniform(-3, h)), float(rng.uniform(0, w)), float(rng.uniform(0, h))]
        if i % 3 == 0:
            bb = [float(round(v)) for v in bb]
        r = mu.frPyObjects(np.array([bb], dtype=np.double), h, w)[0]
        boxes.append({"height": h, "width": w, "box": bb, "compressed": s(r)})
    return {"polygons": cases, "boxes": boxes}


# ---------------------------------------------------------------- evaluation

def perturb(rng, m):
    h, w = m.shape
    dy, dx = rng.integers(-3, 4, 2)
    out = np.roll(np.roll(m, dy, 0), dx, 1)
    if rng.random() < 0.3:
        out = out | (rng.random((h, w)) < 0.02)
    return out.astype(np.uint8)


def coco_scenario(seed, with_bbox, many_dets, image_ids=(3, 1, 7, 4, 10)):
    rng = np.random.default_rng(seed)
    images, anns, preds = [], [], []
    cats = [{"id": 1, "name": "person"}, {"id": 2, "name": "car"}, {"id": 5, "name": "dog"},
            {"id": 9, "name": "unused"}]
    aid = 1
    for img_id in image_ids:
        h, w = int(rng.integers(80, 220)), int(rng.integers(80, 260))
        images.append({"id": img_id, "height": h, "width": w, "file_name": f"{img_id}.jpg"})
        for _ in range(int(rng.integers(2, 7))):
            cat = int(rng.choice([1, 2, 5]))
            style = rng.choice(["poly", "rle", "ulre"])
            crowd = int(rng.random() < 0.1)
            if style == "poly" and not crowd:
                polys = [random_polygon(rng, h, w)]
                r = mu.merge(mu.frPyObjects(polys, h, w))
                seg = polys
            else:
                m = random_mask(rng, h, w, "blobs")
                r = enc(m)
                seg = {"size": [h, w], "counts": runs_of(m)} if style == "ulre" else {"size": [h, w], "counts": s(r)}
            m = mu.decode(r)
            area = float(mu.area(r))
            if area == 0:
                continue
            anns.append({"id": aid, "image_id": img_id, "category_id": cat, "segmentation": seg,
                         "area": area, "bbox": [float(v) for v in mu.toBbox(r)], "iscrowd": crowd})
            aid += 1
            for _ in range(int(rng.integers(0, 3))):  # 0, 1 or 2 detections per object
                pm = perturb(rng, m)
                pc = cat if rng.random() < 0.85 else int(rng.choice([1, 2, 5]))
                pr = enc(pm)
                d = {"image_id": img_id, "category_id": pc, "segmentation": {"size": [h, w], "counts": s(pr)},
                     "score": float(round(rng.uniform(0.05, 1.0), 3))}
                if with_bbox:
                    d["bbox"] = [float(v) for v in mu.toBbox(pr)]
                preds.append(d)
        nfp = 120 if (many_dets and img_id == 1) else int(rng.integers(0, 4))
        for _ in range(nfp):  # false positives
            pm = random_mask(rng, h, w, "blobs")
            pr = enc(pm)
            d = {"image_id": img_id, "category_id": int(rng.choice([1, 2, 5])),
                 "segmentation": {"size": [h, w], "counts": s(pr)},
                 "score": float(round(rng.uniform(0.0, 0.9), 2))}
            if with_bbox:
                d["bbox"] = [float(v) for v in mu.toBbox(pr)]
            preds.append(d)
    gt = {"images": images, "annotations": anns, "categories": cats}
    return gt, preds


def run_cocoeval(gt, preds):
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = copy.deepcopy(gt)
        coco.createIndex()
        dt = coco.loadRes(copy.deepcopy(preds))
        ev = COCOeval(coco, dt, "segm")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return [float(v) for v in ev.stats]


def iou_seq(d_seq, g_seq):
    i, u = 0.0, 0.0
    for d, g in zip(d_seq, g_seq):
        if d and g:
            i += mu.area(mu.merge([d, g], True))
            u += mu.area(mu.merge([d, g], False))
        elif not d and g:
            u += mu.area(g)
        elif d and not g:
            u += mu.area(d)
    return i / u if u > 0 else 0.0


class VideoEval(COCOeval):
    """YouTube-VIS evaluation (video-level mask IoU) on top of pycocotools COCOeval."""

    def _prepare(self):
        p = self.params
        gts = self.cocoGt.loadAnns(self.cocoGt.getAnnIds(imgIds=p.imgIds, catIds=p.catIds))
        dts = self.cocoDt.loadAnns(self.cocoDt.getAnnIds(imgIds=p.imgIds, catIds=p.catIds))
        for gt in gts:
            gt["ignore"] = "iscrowd" in gt and gt["iscrowd"]
        self._gts = defaultdict(list)
        self._dts = defaultdict(list)
        for gt in gts:
            self._gts[gt["image_id"], gt["category_id"]].append(gt)
        for dt in dts:
            self._dts[dt["image_id"], dt["category_id"]].append(dt)
        self.evalImgs = defaultdict(list)
        self.eval = {}

    def computeIoU(self, imgId, catId):
        gt = self._gts[imgId, catId]
        dt = self._dts[imgId, catId]
        if len(gt) == 0 and len(dt) == 0:
            return []
        inds = np.argsort([-d["score"] for d in dt], kind="mergesort")
        dt = [dt[i] for i in inds][: self.params.maxDets[-1]]
        ious = np.zeros([len(dt), len(gt)])
        for i, j in np.ndindex(ious.shape):
            ious[i, j] = iou_seq(dt[i]["rles"], gt[j]["rles"])
        return ious


def ytvis_scenario(seed):
    rng = np.random.default_rng(seed)
    videos, anns, preds = [], [], []
    cats = [{"id": 1, "name": "person"}, {"id": 2, "name": "car"}, {"id": 3, "name": "cat"}]
    aid = 1
    for vid in [2, 1, 5]:
        h, w = int(rng.integers(60, 150)), int(rng.integers(60, 180))
        n = int(rng.integers(3, 6))
        videos.append({"id": vid, "height": h, "width": w, "length": n,
                       "file_names": [f"v{vid}/{k:05d}.jpg" for k in range(n)]})
        for _ in range(int(rng.integers(1, 4))):
            cat = int(rng.choice([1, 2, 3]))
            segs, areas, masks = [], [], []
            for k in range(n):
                if rng.random() < 0.2:
                    segs.append(None); areas.append(None); masks.append(None)
                    continue
                m = random_mask(rng, h, w, "blobs")
                r = enc(m)
                segs.append({"size": [h, w], "counts": runs_of(m)})
                areas.append(float(mu.area(r)))
                masks.append(m)
            if all(a is None for a in areas):
                continue
            anns.append({"id": aid, "video_id": vid, "category_id": cat, "segmentations": segs,
                         "areas": areas, "iscrowd": 0, "height": h, "width": w, "length": 1})
            aid += 1
            for _ in range(int(rng.integers(0, 3))):
                psegs = []
                for m in masks:
                    if m is None or rng.random() < 0.1:
                        psegs.append(None)
                    else:
                        r = enc(perturb(rng, m))
                        psegs.append({"size": [h, w], "counts": s(r)})
                preds.append({"video_id": vid,
                              "category_id": cat if rng.random() < 0.85 else int(rng.choice([1, 2, 3])),
                              "segmentations": psegs, "score": float(round(rng.uniform(0.05, 1.0), 3))})
        for _ in range(int(rng.integers(1, 3))):
            psegs = [{"size": [h, w], "counts": s(enc(random_mask(rng, h, w, "blobs")))} for _ in range(n)]
            preds.append({"video_id": vid, "category_id": int(rng.choice([1, 2, 3])), "segmentations": psegs,
                          "score": float(round(rng.uniform(0.0, 0.9), 2))})
    gt = {"videos": videos, "annotations": anns, "categories": cats}

    # Reference evaluation: videos as images, avg_area as area, video IoU.
    def to_rle(seg, h, w):
        if seg is None:
            return None
        if isinstance(seg["counts"], list):
            return mu.frPyObjects(seg, h, w)
        return seg

    vinfo = {v["id"]: v for v in videos}
    def avg(areas):
        l = [a for a in areas if a]
        return float(np.array(l).mean()) if l else 0.0

    g_anns = []
    for a in anns:
        v = vinfo[a["video_id"]]
        g_anns.append({"id": a["id"], "image_id": a["video_id"], "category_id": a["category_id"],
                       "iscrowd": a["iscrowd"], "area": avg(a["areas"]),
                       "rles": [to_rle(sg, v["height"], v["width"]) for sg in a["segmentations"]]})
    d_anns = []
    for i, p in enumerate(preds):
        rl = [to_rle(sg, 0, 0) for sg in p["segmentations"]]
        d_anns.append({"id": i + 1, "image_id": p["video_id"], "category_id": p["category_id"], "iscrowd": 0,
                       "score": p["score"], "area": avg([mu.area(r) if r else None for r in rl]), "rles": rl})
    with contextlib.redirect_stdout(io.StringIO()):
        cg, cd = COCO(), COCO()
        for c, anns in ((cg, g_anns), (cd, d_anns)):
            c.dataset = {"images": [{"id": v["id"]} for v in videos], "annotations": anns, "categories": cats}
            c.createIndex()
        ev = VideoEval(cg, cd, "segm")
        ev.evaluate(); ev.accumulate(); ev.summarize()
    return gt, preds, [float(v) for v in ev.stats]


def write(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"))


def main():
    os.makedirs(EVAL_OUT, exist_ok=True)
    write(os.path.join(OUT, "rle_cases.json"), rle_cases())
    write(os.path.join(OUT, "polygon_cases.json"), polygon_cases())
    for name, seed, with_bbox, many in [("coco_a", 7, False, False), ("coco_b", 8, True, True),
                                        ("coco_c", 9, False, True)]:
        gt, preds = coco_scenario(seed, with_bbox, many)
        stats = run_cocoeval(gt, preds)
        write(os.path.join(EVAL_OUT, f"{name}_gt.json"), gt)
        write(os.path.join(EVAL_OUT, f"{name}_pred.json"), preds)
        write(os.path.join(EVAL_OUT, f"{name}_stats.json"), stats)
        print(name, len(gt["annotations"]), "gt", len(preds), "pred", [round(x, 4) for x in stats])
    for name, seed in [("ytvis_a", 21), ("ytvis_b", 22)]:
        gt, preds, stats = ytvis_scenario(seed)
        write(os.path.join(EVAL_OUT, f"{name}_gt.json"), gt)
        write(os.path.join(EVAL_OUT, f"{name}_pred.json"), preds)
        write(os.path.join(EVAL_OUT, f"{name}_stats.json"), stats)
        print(name, len(gt["annotations"]), "gt", len(preds), "pred", [round(x, 4) for x in stats])


if __name__ == "__main__":
    main()
