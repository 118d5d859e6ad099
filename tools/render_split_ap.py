#!/usr/bin/env python3
"""Mask AP of an EoMT folder on frames from the *training* renderer (train_eomt._render_video,
camera resolution + JPEG + downscale to the model size, with the frame count and stride of
the model's training_log.json, so seed 0 gives the first training videos' own scenes) versus unseen
videos (another --seed), to separate overfitting from the held-out set's H.264 domain gap.
Every query with a non-empty mask is kept (no threshold); pycocotools segm, with and without
classes.

    /work/venvs/tools/bin/python tools/render_split_ap.py models/default 0    # training videos
    /work/venvs/tools/bin/python tools/render_split_ap.py models/default 77   # unseen videos
"""
import contextlib
import io
import json
import os
import sys

import numpy as np
import torch
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_eomt as te
from pycocotools import mask as mu
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval
from transformers import EomtForUniversalSegmentation
torch.set_num_threads(int(os.environ.get("THREADS", "2")))
m = EomtForUniversalSegmentation.from_pretrained(sys.argv[1], dtype=torch.float32).eval()
seed = int(sys.argv[2])  # training seed 0 -> training videos; other seed -> unseen videos, same renderer
S = m.config.image_size
with open(os.path.join(sys.argv[1], "training_log.json")) as f:
    targs = json.load(f)["args"]
items = []
for i in range(24):
    items += te._render_video((i, seed, targs["frames_per_video"], targs["stride"], S, True))
imgs=[]; anns=[]; res=[]
for k,(rgb, inst) in enumerate(items):
    h,w = rgb.shape[:2]
    imgs.append({"id":k,"height":h,"width":w})
    for c,mk in inst:
        g=(mk>127).astype(np.uint8); r=mu.encode(np.asfortranarray(g)); r["counts"]=r["counts"].decode()
        anns.append({"id":len(anns)+1,"image_id":k,"category_id":c+1,"segmentation":r,"area":int(g.sum()),"bbox":list(mu.toBbox(r)),"iscrowd":0})
    # Normalized and zero-padded as in training, without the random flip.
    x=(rgb.astype(np.float32)/255-te.MEAN)/te.STD; pix=np.zeros((1,3,S,S),np.float32); pix[0,:,:h,:w]=x.transpose(2,0,1)
    with torch.no_grad(): out=m(pixel_values=torch.from_numpy(pix))
    ml=torch.nn.functional.interpolate(out.masks_queries_logits,size=(S,S),mode="bilinear")[0,:,:h,:w]
    pr=out.class_queries_logits.softmax(-1)[0,:,:-1]; cp,cl=pr.max(-1)
    for q in range(ml.shape[0]):
        mm=(ml[q]>0); 
        if mm.sum()==0: continue
        sc=float(cp[q]*(ml[q].sigmoid()*mm).sum()/(mm.sum()+1e-6))
        r=mu.encode(np.asfortranarray(mm.numpy().astype(np.uint8))); r["counts"]=r["counts"].decode()
        res.append({"image_id":k,"category_id":int(cl[q])+1,"score":sc,"segmentation":r})
gt={"images":imgs,"annotations":anns,"categories":[{"id":i+1,"name":str(i)} for i in range(5)]}
with contextlib.redirect_stdout(io.StringIO()):
    g=COCO(); g.dataset=gt; g.createIndex(); d=g.loadRes(res)
for uc in (1,0):
    e=COCOeval(g,d,"segm"); e.params.useCats=uc
    with contextlib.redirect_stdout(io.StringIO()): e.evaluate(); e.accumulate(); e.summarize()
    print("seed",seed,"frames",len(items),"useCats",uc,"AP %.3f AP50 %.3f"%(e.stats[0],e.stats[1]))
