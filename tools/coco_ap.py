"""COCO mask AP with pycocotools, shared by the held-out evaluations.

tools/eval_model.py (the Hugging Face reference forward) and tools/pipeline_heldout_ap.py
(the maskstream pipeline) score their COCO results lists the same way: the ground truth
dict becomes a ``COCO`` index, ``COCOeval`` (segm) runs evaluate, accumulate and
summarize, and the metrics JSON goes to stdout and, when asked, to a report file.
"""
from __future__ import annotations

import contextlib
import io
import json


def quiet():
    """A context that swallows what pycocotools prints."""
    return contextlib.redirect_stdout(io.StringIO())


def load_gt(dataset: dict):
    """A pycocotools ``COCO`` index of an in-memory ground-truth dict (built quietly)."""
    from pycocotools.coco import COCO
    with quiet():
        coco_gt = COCO()
        coco_gt.dataset = dataset
        coco_gt.createIndex()
    return coco_gt


def segm_eval(coco_gt, coco_dt, use_cats: bool = True):
    """``COCOeval`` (segm) of loaded results after evaluate, accumulate and summarize;
    ``use_cats=False`` gives the class-agnostic AP."""
    from pycocotools.cocoeval import COCOeval
    ev = COCOeval(coco_gt, coco_dt, "segm")
    if not use_cats:
        ev.params.useCats = 0
    ev.evaluate()
    ev.accumulate()
    ev.summarize()
    return ev


def write_metrics(metrics: dict, report: str = "") -> None:
    """Prints the metrics as one JSON line and, with a path, writes them there indented."""
    print(json.dumps(metrics))
    if report:
        with open(report, "w") as f:
            json.dump(metrics, f, indent=1)
