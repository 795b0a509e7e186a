#!/usr/bin/python3
"""Benchmark (not a test): training images/s of `mwb train` beside python3-torch training the same
model (timm-style ResNet, basic blocks, layers [1,1,1,1], 1 channel, 28x28) on the same Fashion-MNIST
images with the same batch size, optimizer and thread count, in the same run.

Usage: bench_train.py MWB [IMAGES] [THREADS]
"""

import gzip
import json
import os
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torchvision.models.resnet as tvr

DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(name):
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        data = f.read()
    magic, count = struct.unpack(">II", data[:8])
    if magic == 2051:
        return np.frombuffer(data, np.uint8, offset=16).reshape(count, 28, 28)
    return np.frombuffer(data, np.uint8, offset=8)


def bench_mwb(mwb, images, threads, batch):
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "config.json")
        json.dump({"model_type": "resnet", "block_type": "basic", "layers": [1, 1, 1, 1], "input_channels": 1,
                   "num_classes": 10}, open(config, "w"))
        out = subprocess.run([mwb, "train", config, "--data", DATA, "--limit", str(images), "--val-limit", "100",
                              "--epochs", "1", "--batch-size", str(batch), "--no-augment", "--threads", str(threads),
                              "--json", "-o", os.path.join(tmp, "out")], check=True, capture_output=True, text=True)
        for line in out.stdout.splitlines():
            event = json.loads(line)
            if event.get("event") == "epoch":
                return event["images_per_second"]
    raise RuntimeError("no epoch line from mwb train")


def bench_torch(images, threads, batch):
    torch.set_num_threads(threads)
    x = read_idx("train-images-idx3-ubyte.gz")[:images]
    y = torch.from_numpy(read_idx("train-labels-idx1-ubyte.gz")[:images].astype(np.int64))
    pixels = (torch.from_numpy(x.astype(np.float32) / 255.0) - 0.286) / 0.353
    net = tvr.ResNet(tvr.BasicBlock, [1, 1, 1, 1], num_classes=10)
    net.conv1 = torch.nn.Conv2d(1, 64, 7, 2, 3, bias=False)
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=0.05)
    net.train()
    order = torch.randperm(images)
    start = time.time()
    done = 0
    for step in range(images // batch):
        pick = order[step * batch:(step + 1) * batch]
        loss = torch.nn.functional.cross_entropy(net(pixels[pick][:, None]), y[pick])
        opt.zero_grad()
        loss.backward()
        opt.step()
        done += batch
    return done / (time.time() - start)


def main():
    mwb = sys.argv[1]
    images = int(sys.argv[2]) if len(sys.argv) > 2 else 6400
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    batch = 128
    ours = bench_mwb(mwb, images, threads, batch)
    theirs = bench_torch(images, threads, batch)
    print(f"training, {images} Fashion-MNIST images, batch {batch}, {threads} threads, fp32, load {os.getloadavg()[0]:.1f}")
    print(f"  mwb train:     {ours:8.1f} images/s")
    print(f"  python3-torch: {theirs:8.1f} images/s")


if __name__ == "__main__":
    main()
