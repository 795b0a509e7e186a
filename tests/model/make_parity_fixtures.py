#!/usr/bin/python3
"""Parity fixtures for the C++ ResNet: weights, inputs and expected outputs from PyTorch.

Usage: make_parity_fixtures.py OUTDIR

Plain-stem nets come from torchvision (their state_dict keys equal timm's); deep and deep-tiered
stems and avg-down come from a small reference of timm's ResNet written below from
ARCHITECTURE.md, "Formats: timm's ResNet" (timm itself is not packaged in Debian). Weights are random, BatchNorm running
statistics included, so eval-mode BatchNorm is exercised. Channel counts are fixed by the
architecture, so the nets use one or two blocks per stage and small inputs to stay small.

Writes, per case NAME: NAME.safetensors or NAME.bin (weights), NAME.input.safetensors
(pixel_values), NAME.expected.safetensors (logits, features; plus labels and loss for the loss
case), NAME.config.json (the ResnetConfig). Also state_dicts.json (keys, shapes, dtypes, parameter
counts and MACs of full-size configs) for the structure tests. Skips work when OUTDIR/stamp
matches this script.
"""

import hashlib
import json
import os
import struct
import sys
import zlib
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision.models.resnet as tvr

# ---------------------------------------------------------------------------------------------
# A safetensors writer (python3-safetensors is not in Debian), as the format says: 8-byte length,
# JSON header padded with spaces to a multiple of 8, then the raw little-endian data.

DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.float64: "F64", torch.int64: "I64"}


def write_safetensors(path, tensors, metadata=None):
    header, blobs, offset = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        data = t.detach().contiguous().cpu().numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


# ---------------------------------------------------------------------------------------------
# Reference of timm's ResNet (ARCHITECTURE.md, "Formats: timm's ResNet"). Attribute order follows timm's registration
# order so state_dict order matches too.

class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride, downsample, cardinality, base_width):
        super().__init__()
        assert cardinality == 1 and base_width == 64
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        shortcut = x if self.downsample is None else self.downsample(x)
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + shortcut)


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride, downsample, cardinality, base_width):
        super().__init__()
        width = int(planes * base_width / 64) * cardinality
        self.conv1 = nn.Conv2d(inplanes, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride, 1, groups=cardinality, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.downsample = downsample

    def forward(self, x):
        shortcut = x if self.downsample is None else self.downsample(x)
        y = F.relu(self.bn1(self.conv1(x)))
        y = F.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return F.relu(y + shortcut)


class RefResNet(nn.Module):
    def __init__(self, block_type="bottleneck", layers=(3, 4, 6, 3), num_classes=1000, input_channels=3,
                 cardinality=1, base_width=64, stem_width=64, stem_type="", avg_down=False):
        super().__init__()
        block = BasicBlock if block_type == "basic" else Bottleneck
        deep = "deep" in stem_type
        inplanes = stem_width * 2 if deep else 64
        if deep:
            first = 3 * (stem_width // 4) if "tiered" in stem_type else stem_width
            self.conv1 = nn.Sequential(
                nn.Conv2d(input_channels, first, 3, 2, 1, bias=False), nn.BatchNorm2d(first), nn.ReLU(),
                nn.Conv2d(first, stem_width, 3, 1, 1, bias=False), nn.BatchNorm2d(stem_width), nn.ReLU(),
                nn.Conv2d(stem_width, inplanes, 3, 1, 1, bias=False))
        else:
            self.conv1 = nn.Conv2d(input_channels, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(inplanes)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        for i, (planes, count) in enumerate(zip((64, 128, 256, 512), layers)):
            stride = 1 if i == 0 else 2
            out = planes * block.expansion
            blocks = []
            for b in range(count):
                downsample = None
                if b == 0 and (stride != 1 or inplanes != out):
                    if avg_down:
                        pool = nn.Identity() if stride == 1 else nn.AvgPool2d(
                            2, 2, ceil_mode=True, count_include_pad=False)
                        downsample = nn.Sequential(pool, nn.Conv2d(inplanes, out, 1, bias=False),
                                                   nn.BatchNorm2d(out))
                    else:
                        downsample = nn.Sequential(nn.Conv2d(inplanes, out, 1, stride, bias=False),
                                                   nn.BatchNorm2d(out))
                blocks.append(block(inplanes, planes, stride if b == 0 else 1, downsample, cardinality,
                                    base_width))
                inplanes = out
            setattr(self, "layer%d" % (i + 1), nn.Sequential(*blocks))
        self.num_features = 512 * block.expansion
        self.fc = nn.Linear(self.num_features, num_classes) if num_classes > 0 else nn.Identity()

    def forward_features(self, x):
        x = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        return self.layer4(self.layer3(self.layer2(self.layer1(x))))

    def forward(self, x):
        return self.fc(self.forward_features(x).mean((2, 3)))


def torchvision_net(block_type, layers, num_classes, groups=1, width_per_group=64):
    block = tvr.BasicBlock if block_type == "basic" else tvr.Bottleneck
    return tvr.ResNet(block, list(layers), num_classes=num_classes, groups=groups, width_per_group=width_per_group)


def torchvision_features(net, x):
    x = net.maxpool(net.relu(net.bn1(net.conv1(x))))
    return net.layer4(net.layer3(net.layer2(net.layer1(x))))


# ---------------------------------------------------------------------------------------------

def randomise(net, generator):
    """Random weights everywhere, BatchNorm statistics included, with activations kept in range."""
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.Conv2d):
                fan_in = m.weight[0].numel()
                m.weight.normal_(0, (2.0 / fan_in) ** 0.5, generator=generator)
            elif isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5, generator=generator)
                m.bias.normal_(0, 0.1, generator=generator)
                m.running_mean.normal_(0, 0.1, generator=generator)
                m.running_var.uniform_(0.5, 1.5, generator=generator)
                m.num_batches_tracked.fill_(int(torch.randint(1, 1000, (1,), generator=generator)))
            elif isinstance(m, nn.Linear):
                m.weight.normal_(0, m.in_features ** -0.5, generator=generator)
                m.bias.normal_(0, 0.1, generator=generator)


def config_json(**fields):
    defaults = dict(block_type="bottleneck", layers=[3, 4, 6, 3], num_classes=1000, input_channels=3,
                    cardinality=1, base_width=64, stem_width=64, stem_type="", avg_down=False)
    defaults.update(fields)
    defaults["layers"] = list(defaults["layers"])
    defaults["model_type"] = "resnet"
    return defaults


def weights_for(state, dtype, prefix):
    out = OrderedDict()
    for k, v in state.items():
        out[prefix + k] = v.to(dtype) if v.is_floating_point() else v
    return out


def make_case(out_dir, name, net, features_fn, config, input_shape, weight_format, prefix="", dtype=torch.float32,
              labels=None):
    """Writes the weights, the input and PyTorch's outputs for one net."""
    gen = torch.Generator().manual_seed(zlib.crc32(name.encode()))
    randomise(net, gen)
    stored = weights_for(net.state_dict(), dtype, prefix)
    # The C++ side loads the stored (possibly float16) weights as float32; so does the reference.
    net.load_state_dict(OrderedDict((k[len(prefix):], v.float() if v.is_floating_point() else v)
                                    for k, v in stored.items()))
    net.eval()
    x = torch.randn(*input_shape, generator=gen)
    with torch.no_grad():
        features = features_fn(net, x)
        logits = net(x)
    if weight_format == "bin":
        torch.save(stored, os.path.join(out_dir, name + ".bin"))
    else:
        write_safetensors(os.path.join(out_dir, name + ".safetensors"), stored, {"format": "pt"})
    write_safetensors(os.path.join(out_dir, name + ".input.safetensors"), {"pixel_values": x})
    expected = OrderedDict(logits=logits, features=features)
    if labels is not None:
        labels = torch.tensor(labels, dtype=torch.int64)
        expected["labels"] = labels
        expected["loss"] = F.cross_entropy(logits, labels, ignore_index=-100).reshape([])
    write_safetensors(os.path.join(out_dir, name + ".expected.safetensors"), expected)
    with open(os.path.join(out_dir, name + ".config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)


def parity_cases(out_dir):
    ref_features = lambda net, x: net.forward_features(x)
    # Plain stem, basic blocks (two in layer1), odd input size; stored as torch.save .bin with the
    # wrapper's "model." prefix.
    make_case(out_dir, "plain_basic", torchvision_net("basic", (2, 1, 1, 1), 10), torchvision_features,
              config_json(block_type="basic", layers=[2, 1, 1, 1], num_classes=10), (2, 3, 61, 61), "bin",
              prefix="model.", labels=[3, -100])
    # ResNeXt: grouped bottleneck, timm's bare keys, safetensors.
    make_case(out_dir, "plain_resnext", torchvision_net("bottleneck", (1, 1, 1, 1), 10, 32, 4),
              torchvision_features,
              config_json(layers=[1, 1, 1, 1], num_classes=10, cardinality=32, base_width=4), (1, 3, 64, 64),
              "safetensors")
    # resnet50d-like: deep stem, avg_down (identity pool in layer1), odd size so the average pools
    # overhang; wrapper keys.
    cfg = config_json(layers=[1, 1, 1, 1], num_classes=10, stem_width=32, stem_type="deep", avg_down=True)
    make_case(out_dir, "deep_avgdown", RefResNet(**cfg_args(cfg)), ref_features, cfg, (2, 3, 61, 59),
              "safetensors", prefix="model.")
    # resnet26t-like: tiered stem, avg_down, one input channel, no classifier; float16 weights.
    cfg = config_json(layers=[1, 1, 1, 1], num_classes=0, input_channels=1, stem_width=32, stem_type="deep-tiered",
                      avg_down=True)
    make_case(out_dir, "tiered_gray_headless", RefResNet(**cfg_args(cfg)), ref_features, cfg, (1, 1, 37, 45),
              "safetensors", dtype=torch.float16)
    # Deep stem with stem_width 64 and basic blocks: layer1.0 gets a stride-1 conv downsample.
    cfg = config_json(block_type="basic", layers=[1, 1, 1, 1], num_classes=5, stem_width=64, stem_type="deep")
    make_case(out_dir, "deep_basic_sw64", RefResNet(**cfg_args(cfg)), ref_features, cfg, (1, 3, 40, 40),
              "safetensors")


def cfg_args(cfg):
    return {k: v for k, v in cfg.items() if k != "model_type"}


# ---------------------------------------------------------------------------------------------
# Structure of full-size configs: what the C++ state_dict must equal.

STRUCTURE_CONFIGS = {
    "resnet18": dict(block_type="basic", layers=[2, 2, 2, 2]),
    "resnet34": dict(block_type="basic", layers=[3, 4, 6, 3]),
    "resnet50": dict(),
    "resnet50d": dict(stem_width=32, stem_type="deep", avg_down=True),
    "resnext50_32x4d": dict(cardinality=32, base_width=4),
    "resnet26t": dict(layers=[2, 2, 2, 2], stem_width=32, stem_type="deep-tiered", avg_down=True),
    "resnet18_headless": dict(block_type="basic", layers=[2, 2, 2, 2], num_classes=0),
    "resnet50_gray": dict(input_channels=1, num_classes=7),
    "deep_basic_sw64": dict(block_type="basic", layers=[2, 2, 2, 2], stem_width=64, stem_type="deep"),
}

TORCHVISION_TWINS = {
    "resnet18": lambda: torchvision_net("basic", (2, 2, 2, 2), 1000),
    "resnet50": lambda: torchvision_net("bottleneck", (3, 4, 6, 3), 1000),
    "resnext50_32x4d": lambda: torchvision_net("bottleneck", (3, 4, 6, 3), 1000, 32, 4),
}


def count_macs(net, height, width, channels):
    """Conv and linear MACs plus 2 per BatchNorm output element, as timm's published GMACs count."""
    total = [0]

    def hook(m, inputs, out):
        if isinstance(m, nn.Conv2d):
            total[0] += out.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
        elif isinstance(m, nn.Linear):
            total[0] += m.in_features * m.out_features
        elif isinstance(m, nn.BatchNorm2d):
            total[0] += 2 * out.numel()

    handles = [m.register_forward_hook(hook) for m in net.modules()]
    net.eval()
    with torch.no_grad():
        net(torch.zeros(1, channels, height, width))
    for h in handles:
        h.remove()
    return total[0]


def structure(name, fields):
    cfg = config_json(**fields)
    net = RefResNet(**cfg_args(cfg))
    listing = [[k, list(v.shape), DTYPES[v.dtype]] for k, v in net.state_dict().items()]
    if name in TORCHVISION_TWINS:  # the reference must agree with torchvision where both exist
        twin = [[k, list(v.shape), DTYPES[v.dtype]] for k, v in TORCHVISION_TWINS[name]().state_dict().items()]
        assert twin == listing, name + ": reference and torchvision state_dicts differ"
    ch = cfg["input_channels"]
    return {"config": cfg, "state_dict": listing,
            "parameters": sum(p.numel() for p in net.parameters()),
            "macs_224": count_macs(net, 224, 224, ch), "macs_61x47": count_macs(net, 61, 47, ch)}


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    with open(__file__, "rb") as f:
        digest = hashlib.sha256(f.read() + torch.__version__.encode()).hexdigest()
    stamp = os.path.join(out_dir, "stamp")
    if os.path.exists(stamp) and open(stamp).read() == digest:
        print("fixtures up to date in", out_dir)
        return
    torch.set_num_threads(1)
    parity_cases(out_dir)
    structures = {name: structure(name, fields) for name, fields in STRUCTURE_CONFIGS.items()}
    with open(os.path.join(out_dir, "state_dicts.json"), "w") as f:
        json.dump(structures, f)
    with open(stamp, "w") as f:
        f.write(digest)
    print("fixtures written to", out_dir)


if __name__ == "__main__":
    main()
