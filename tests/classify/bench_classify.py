#!/usr/bin/python3
"""The Python side of bench_classify: torchvision's resnet50 (eager, fresh weights) on the JPEGs in DIR,
with timm's eval transform (PIL decode, resize 256 bicubic, center crop 224, normalize), batch 1 and 8,
decode and preprocessing included. Usage: bench_classify.py DIR"""

import os
import sys
import time

import torch
import torchvision.models as tvm
import torchvision.transforms as T
from PIL import Image


def main():
    folder = sys.argv[1]
    paths = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".jpg"))
    transform = T.Compose([T.Resize(256, interpolation=T.InterpolationMode.BICUBIC), T.CenterCrop(224),
                           T.ToTensor(), T.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))])
    net = tvm.resnet50().eval()
    with torch.inference_mode():
        net(transform(Image.open(paths[0]).convert("RGB"))[None])  # warm-up
        for batch in (1, 8):
            start = time.perf_counter()
            for i in range(0, len(paths), batch):
                x = torch.stack([transform(Image.open(p).convert("RGB")) for p in paths[i:i + batch]])
                net(x).softmax(1).topk(5)
            seconds = time.perf_counter() - start
            print("  python3-torch %s eager, batch %d: %6.2f images/s (%d images in %.2f s, %d threads)"
                  % (torch.__version__, batch, len(paths) / seconds, len(paths), seconds, torch.get_num_threads()))


if __name__ == "__main__":
    main()
