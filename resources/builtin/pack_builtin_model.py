#!/usr/bin/python3
"""Packs a `mwb train` output folder as the built-in fashion-mnist model.

Usage: pack_builtin_model.py RUN_DIR OUT_DIR

Writes OUT_DIR/config.json, preprocessor_config.json, training.json (the run's options and
per-epoch history: the recipe), model.safetensors with every floating tensor as float16 (the app
loads it back as float32), and samples/: two images of each class from the Fashion-MNIST *test* set
as PNG (the model never trained on them). Only packs; the training is make_fashion_mnist_model.sh.
"""

import gzip
import json
import os
import shutil
import struct
import sys

import numpy as np
from PIL import Image

DATA = "/usr/share/datasets/fashion-mnist"
NAMES = ["tshirt-top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"]


def read_idx(name):
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        data = f.read()
    magic, count = struct.unpack(">II", data[:8])
    if magic == 2051:
        rows, cols = struct.unpack(">II", data[8:16])
        return np.frombuffer(data, np.uint8, offset=16).reshape(count, rows, cols)
    return np.frombuffer(data, np.uint8, offset=8)


def to_fp16(src, dst):
    raw = open(src, "rb").read()
    (size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + size])
    body = raw[8 + size:]
    out_header, blobs, offset = {"__metadata__": header.get("__metadata__", {"format": "pt"})}, [], 0
    for name in sorted(k for k in header if k != "__metadata__"):
        info = header[name]
        begin, end = info["data_offsets"]
        dtype = {"F32": np.float32, "I64": np.int64}[info["dtype"]]
        array = np.frombuffer(body[begin:end], dtype).reshape(info["shape"])
        if dtype == np.float32:
            array, tag = array.astype("<f2"), "F16"
        else:
            tag = info["dtype"]
        data = array.tobytes()
        out_header[name] = {"dtype": tag, "shape": info["shape"], "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(out_header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(dst, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def main():
    run, out = sys.argv[1], sys.argv[2]
    os.makedirs(os.path.join(out, "samples"), exist_ok=True)
    config = json.load(open(os.path.join(run, "config.json")))
    config["torch_dtype"] = "float16"
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
        f.write("\n")
    for name in ("preprocessor_config.json", "training.json"):
        shutil.copyfile(os.path.join(run, name), os.path.join(out, name))
    to_fp16(os.path.join(run, "model.safetensors"), os.path.join(out, "model.safetensors"))
    images, labels = read_idx("t10k-images-idx3-ubyte.gz"), read_idx("t10k-labels-idx1-ubyte.gz")
    for c in range(10):
        for n, index in enumerate(np.nonzero(labels == c)[0][:2]):
            Image.fromarray(images[index], mode="L").save(
                os.path.join(out, "samples", "%d-%s-%d.png" % (c, NAMES[c], n + 1)))


if __name__ == "__main__":
    main()
