#!/usr/bin/python3
"""Fixtures for the classification tests: real labelled Fashion-MNIST images and a small trained ResNet.

Usage: make_classify_fixtures.py OUTDIR

Writes into OUTDIR:
  fmnist/<class folder>/<index>.png   3 test-set images per class (28x28 grayscale PNG), folder names
                                      spelled loosely ("T-shirt_top", "pullover", "ankle_boot") as people
                                      name folders, plus fmnist/zz_unlabelled/ (2 images, no such class)
  resnet/          pretrained folder: config.json (ResNet, basic blocks, layers [1,1,1,1], 1 input
                   channel, 10 classes, id2label), model.safetensors ("model." + timm keys),
                   preprocessor_config.json (no resize: rescale 1/255, normalize)
  resnet_multilabel/  the same weights, problem_type multi_label_classification
  resnet_resized/  the same weights, preprocessor resizes to 32x32 (PIL bilinear)
  expected.json    per image: path (relative to OUTDIR), class index, PyTorch's logits (eval mode)
  resized_pixel_values.f32   (N, 1, 32, 32) float32, what transformers' pipeline feeds
                             resnet_resized for the images of expected.json, in its order
  agreement_pixel_values.f32 (2000, 1, 28, 28) float32: the first 2000 test-set images as resnet's
                             preprocessor makes them, for exact-versus-fast agreement
  agreement_labels.u8        their 2000 class indices
The network is torchvision's ResNet with BasicBlock (its state_dict keys are timm's), trained for a
few seconds on the Fashion-MNIST training set so that evaluation numbers mean something. Skips the
work when OUTDIR/stamp matches this script.
"""

import gzip
import hashlib
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torchvision.models.resnet as tvr
from PIL import Image

DATA = "/usr/share/datasets/fashion-mnist"
LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
          "Ankle boot"]
FOLDERS = ["T-shirt_top", "Trouser", "pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
           "ankle_boot"]
MEAN, STD = 0.286, 0.353
PER_CLASS = 3


def read_idx(name):
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        data = f.read()
    magic, count = struct.unpack(">II", data[:8])
    if magic == 2051:
        rows, cols = struct.unpack(">II", data[8:16])
        return np.frombuffer(data, np.uint8, offset=16).reshape(count, rows, cols)
    return np.frombuffer(data, np.uint8, offset=8)


def write_safetensors(path, tensors, metadata):
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name, t in tensors.items():
        data = t.detach().contiguous().to(torch.float32).numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
    os.replace(path + ".tmp", path)


def write_json(path, doc):
    with open(path, "w") as f:
        json.dump(doc, f, indent=2, sort_keys=True)


def make_net():
    net = tvr.ResNet(tvr.BasicBlock, [1, 1, 1, 1], num_classes=10)
    net.conv1 = nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3, bias=False)
    return net


def normalize(batch_uint8):
    """transformers' rescale (float64 multiply, cast to float32) then float32 normalize."""
    x = (batch_uint8.astype(np.float64) * (1 / 255)).astype(np.float32)
    x = (x - np.float32(MEAN)) / np.float32(STD)
    return torch.from_numpy(x.astype(np.float32))[:, None]


def train(net, images, labels, steps=100, batch=32):
    torch.manual_seed(0)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    rng = np.random.RandomState(0)
    net.train()
    for _ in range(steps):
        pick = rng.randint(0, len(images), batch)
        loss = nn.functional.cross_entropy(net(normalize(images[pick])), torch.from_numpy(labels[pick].astype(np.int64)))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    net.eval()


def config(problem_type=None):
    cfg = {"model_type": "resnet", "architectures": ["ResnetModelForImageClassification"],
           "block_type": "basic", "layers": [1, 1, 1, 1], "num_classes": 10, "input_channels": 1,
           "cardinality": 1, "base_width": 64, "stem_width": 64, "stem_type": "", "avg_down": False,
           "id2label": {str(i): name for i, name in enumerate(LABELS)},
           "label2id": {name: i for i, name in enumerate(LABELS)}, "torch_dtype": "float32"}
    if problem_type:
        cfg["problem_type"] = problem_type
    return cfg


def processor(resize):
    cfg = {"image_processor_type": "ViTImageProcessor", "do_resize": resize, "resample": 2,
           "do_rescale": True, "rescale_factor": 1 / 255, "do_normalize": True,
           "image_mean": [MEAN], "image_std": [STD]}
    if resize:
        cfg["size"] = {"height": 32, "width": 32}
    return cfg


def save_folder(out, name, weights, cfg, proc):
    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)
    write_json(os.path.join(folder, "config.json"), cfg)
    write_json(os.path.join(folder, "preprocessor_config.json"), proc)
    write_safetensors(os.path.join(folder, "model.safetensors"), weights, {"format": "pt"})


def save_images(out, images, labels):
    """PER_CLASS images of each class from the test set, plus two in a folder no class is named after."""
    entries = []
    for c in range(10):
        for index in np.nonzero(labels == c)[0][:PER_CLASS]:
            entries.append((os.path.join("fmnist", FOLDERS[c], "%04d.png" % index), c, index))
    for index in (100, 101):
        entries.append((os.path.join("fmnist", "zz_unlabelled", "%04d.png" % index), -1, index))
    for rel, _, index in entries:
        os.makedirs(os.path.dirname(os.path.join(out, rel)), exist_ok=True)
        Image.fromarray(images[index], mode="L").save(os.path.join(out, rel))
    return sorted(entries)


def main():
    out = sys.argv[1]
    stamp_path = os.path.join(out, "stamp")
    stamp = hashlib.sha256(open(__file__, "rb").read()).hexdigest()
    if os.path.exists(stamp_path) and open(stamp_path).read() == stamp:
        return
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(2)

    net = make_net()
    train(net, read_idx("train-images-idx3-ubyte.gz")[:10000], read_idx("train-labels-idx1-ubyte.gz")[:10000])
    weights = {"model." + k: v for k, v in net.state_dict().items() if not k.endswith("num_batches_tracked")}
    save_folder(out, "resnet", weights, config(), processor(False))
    save_folder(out, "resnet_multilabel", weights, config("multi_label_classification"), processor(False))
    save_folder(out, "resnet_resized", weights, config(), processor(True))

    test_images, test_labels = read_idx("t10k-images-idx3-ubyte.gz"), read_idx("t10k-labels-idx1-ubyte.gz")
    entries = save_images(out, test_images, test_labels)
    pixels = np.stack([np.array(Image.open(os.path.join(out, rel))) for rel, _, _ in entries])
    with torch.no_grad():
        logits = net(normalize(pixels))
    resized = np.stack([np.array(Image.open(os.path.join(out, rel)).resize((32, 32), resample=Image.BILINEAR,
                                                                           reducing_gap=None))
                        for rel, _, _ in entries])
    normalize(resized).numpy().astype("<f4").tofile(os.path.join(out, "resized_pixel_values.f32"))
    normalize(test_images[:2000]).numpy().astype("<f4").tofile(os.path.join(out, "agreement_pixel_values.f32"))
    test_labels[:2000].astype(np.uint8).tofile(os.path.join(out, "agreement_labels.u8"))
    write_json(os.path.join(out, "expected.json"), {
        "labels": LABELS,
        "images": [{"path": rel, "class_index": c, "logits": [float(v) for v in logits[i]]}
                   for i, (rel, c, _) in enumerate(entries)]})
    with open(stamp_path, "w") as f:
        f.write(stamp)


if __name__ == "__main__":
    main()
