#!/usr/bin/env python3
"""Checks a maskstream `capture:` folder with pycocotools (the reference COCO reader):
the dataset loads, every image file exists and has the declared size, every annotation's RLE
decodes to a mask of its image's size whose area and box are pycocotools' own.
Prints one JSON line: images, annotations, categories, per-image annotation counts.

    tools/.venv/bin/python tools/check_coco_capture.py out/capture
"""
import json
import os
import sys

import numpy as np
from PIL import Image
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO


def main(folder):
    coco = COCO(os.path.join(folder, "annotations.json"))
    per_image = {}
    for image_id, image in coco.imgs.items():
        path = os.path.join(folder, image["file_name"])
        with Image.open(path) as im:
            assert im.size == (image["width"], image["height"]), (path, im.size)
        anns = coco.loadAnns(coco.getAnnIds(imgIds=[image_id]))
        for a in anns:
            m = coco.annToMask(a)
            assert m.shape == (image["height"], image["width"]), (a["id"], m.shape)
            rle = a["segmentation"]
            assert int(mask_utils.area(rle)) == a["area"] == int(m.sum()), a["id"]
            box = [float(v) for v in mask_utils.toBbox(rle)]
            assert np.allclose(box, a["bbox"]), (a["id"], box, a["bbox"])
            assert a["category_id"] in coco.cats, a["category_id"]
        per_image[image["file_name"]] = len(anns)
    print(json.dumps({"images": len(coco.imgs), "annotations": len(coco.anns), "categories": len(coco.cats),
                      "per_image": per_image}, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1])
