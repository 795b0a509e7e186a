#!/usr/bin/python3
"""Fixtures for opening the pretrained formats people have (pretrained-formats.md).

Usage: make_format_fixtures.py OUTDIR

Writes, as the real writers lay them out (timm's save_for_hf, transformers' save_pretrained,
torchvision's torch.save of a state_dict), with random weights (BatchNorm statistics included):

  timm_resnet18/          timm >= 0.9 repo: config.json (architecture + pretrained_cfg), model.safetensors
  timm_resnet50d/         the same, deep stem + avg-down, safetensors and pytorch_model.bin
  timm_resnet26t/         tiered stem, pytorch_model.bin only, 10 classes with label_names (root
                          num_classes wins over pretrained_cfg.num_classes 1000)
  timm_resnext50_32x4d/   timm 0.6 legacy flat config.json, pytorch_model.bin
  timmwrapper_resnet18/   transformers' TimmWrapper folder (model_type timm_wrapper, keys timm_model.)
  hf_resnet18/            transformers ResNetForImageClassification (basic), preprocessor_config.json
  hf_resnet50/            the same, bottleneck, pytorch_model.bin
  tv_resnet50.pth, tv_resnet50_legacy.pth, tv_resnext50_32x4d.pth, tv_resnext50_32x4d_legacy.pth
                          torchvision state_dicts, zip and legacy (pre-1.6) forms; the legacy resnet50
                          has no num_batches_tracked, as files from before PyTorch 0.4.1
  recipe_input.png, recipe_border.png, recipe_center_nonsquare.png
                          timm's eval transform for crop_mode "border" and for a non-square input_size
                          in "center" mode (ResizeKeepRatio with its default bilinear filter), computed
                          with torchvision on PIL as timm 1.0 composes it (transforms_imagenet_eval)
  near misses: timm_seresnet50/ (SE attention), hf_downsample_first/ (downsample_in_first_stage),
               truncated.pth (no layer4), not_resnet.pth (a small VGG-like net)

and NAME.io.safetensors per case: pixel_values and the logits PyTorch computes for them. The
references are torchvision's ResNet where it matches (plain stems), the timm reference of
make_parity_fixtures.py (deep stems, avg-down), and a reference of transformers' module tree written
below from pretrained-formats.md §3.2 (its own names and arithmetic, so the key mapping is checked
against an independent naming). Skips work when OUTDIR/stamp matches this script.
"""

import hashlib
import json
import math
import os
import sys
import zlib
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_parity_fixtures import RefResNet, randomise, torchvision_net, write_safetensors  # noqa: E402

REFERENCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "resources", "labels")
INPUT_SHAPE = (2, 3, 67, 61)  # odd sizes: the avg-down pools overhang

# ---------------------------------------------------------------------------------------------
# transformers' ResNet module tree (pretrained-formats.md §3.2), names as transformers registers them.


class ConvLayer(nn.Module):
    def __init__(self, cin, cout, kernel=3, stride=1, activation=True):
        super().__init__()
        self.convolution = nn.Conv2d(cin, cout, kernel, stride, kernel // 2, bias=False)
        self.normalization = nn.BatchNorm2d(cout)
        self.activation = activation

    def forward(self, x):
        y = self.normalization(self.convolution(x))
        return F.relu(y) if self.activation else y


class ShortCut(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.convolution = nn.Conv2d(cin, cout, 1, stride, bias=False)
        self.normalization = nn.BatchNorm2d(cout)

    def forward(self, x):
        return self.normalization(self.convolution(x))


class BasicLayer(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.shortcut = ShortCut(cin, cout, stride) if cin != cout or stride != 1 else nn.Identity()
        self.layer = nn.Sequential(ConvLayer(cin, cout, 3, stride), ConvLayer(cout, cout, 3, activation=False))

    def forward(self, x):
        return F.relu(self.layer(x) + self.shortcut(x))


class BottleNeckLayer(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        reduces = cout // 4
        self.shortcut = ShortCut(cin, cout, stride) if cin != cout or stride != 1 else nn.Identity()
        self.layer = nn.Sequential(ConvLayer(cin, reduces, 1), ConvLayer(reduces, reduces, 3, stride),
                                   ConvLayer(reduces, cout, 1, activation=False))

    def forward(self, x):
        return F.relu(self.layer(x) + self.shortcut(x))


class Stage(nn.Module):
    def __init__(self, block, cin, cout, stride, depth):
        super().__init__()
        self.layers = nn.Sequential(*[block(cin if i == 0 else cout, cout, stride if i == 0 else 1)
                                      for i in range(depth)])

    def forward(self, x):
        return self.layers(x)


class Embeddings(nn.Module):
    def __init__(self, channels, size):
        super().__init__()
        self.embedder = ConvLayer(channels, size, 7, 2)
        self.pooler = nn.MaxPool2d(3, 2, 1)

    def forward(self, x):
        return self.pooler(self.embedder(x))


class Encoder(nn.Module):
    def __init__(self, block, embedding, hidden, depths):
        super().__init__()
        ins = [embedding] + hidden[:-1]
        self.stages = nn.ModuleList([Stage(block, ins[i], hidden[i], 1 if i == 0 else 2, depths[i])
                                     for i in range(len(depths))])

    def forward(self, x):
        for stage in self.stages:
            x = stage(x)
        return x


class HfResNetModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        block = BasicLayer if cfg["layer_type"] == "basic" else BottleNeckLayer
        self.embedder = Embeddings(cfg["num_channels"], cfg["embedding_size"])
        self.encoder = Encoder(block, cfg["embedding_size"], cfg["hidden_sizes"], cfg["depths"])

    def forward(self, x):
        return self.encoder(self.embedder(x))


class HfResNetForImageClassification(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.resnet = HfResNetModel(cfg)
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(cfg["hidden_sizes"][-1], len(cfg["id2label"])))

    def forward(self, x):
        return self.classifier(self.resnet(x).mean((2, 3), keepdim=True))


# ---------------------------------------------------------------------------------------------


def seeded(name):
    return torch.Generator().manual_seed(zlib.crc32(name.encode()))


def run_reference(out_dir, name, net):
    """Random weights, then the reference's logits for a fixed input; writes NAME.io.safetensors."""
    gen = seeded(name)
    randomise(net, gen)
    net.eval()
    x = torch.randn(*INPUT_SHAPE, generator=gen)
    with torch.no_grad():
        logits = net(x)
    write_safetensors(os.path.join(out_dir, name + ".io.safetensors"), {"pixel_values": x, "logits": logits})
    return net.state_dict()


def write_json(path, doc, sort_keys=False):
    with open(path, "w") as f:
        json.dump(doc, f, indent=2, sort_keys=sort_keys)


def folder(out_dir, name):
    path = os.path.join(out_dir, name)
    os.makedirs(path, exist_ok=True)
    for old in os.listdir(path):
        os.remove(os.path.join(path, old))
    return path


def timm_pretrained_cfg(tag, first_conv, input_size=(3, 224, 224), interpolation="bicubic", crop_pct=0.95):
    """pretrained_cfg as save_config_for_hf writes it: PretrainedCfg field order, nulls dropped."""
    return OrderedDict([
        ("tag", tag), ("custom_load", False), ("input_size", list(input_size)), ("fixed_input_size", False),
        ("interpolation", interpolation), ("crop_pct", crop_pct), ("crop_mode", "center"),
        ("mean", [0.485, 0.456, 0.406]), ("std", [0.229, 0.224, 0.225]), ("num_classes", 1000),
        ("pool_size", [7, 7]), ("first_conv", first_conv), ("classifier", "fc")])


def timm_config(architecture, num_classes, num_features, pretrained_cfg, label_names=None):
    cfg = OrderedDict([("architecture", architecture), ("num_classes", num_classes),
                       ("num_features", num_features)])
    if label_names is not None:
        cfg["label_names"] = label_names
    cfg["pretrained_cfg"] = pretrained_cfg
    return cfg


TIMM_ARGS = {
    "resnet18": dict(block_type="basic", layers=(2, 2, 2, 2)),
    "resnet50d": dict(layers=(3, 4, 6, 3), stem_width=32, stem_type="deep", avg_down=True),
    "resnet26t": dict(layers=(2, 2, 2, 2), stem_width=32, stem_type="deep-tiered", avg_down=True),
    "resnext50_32x4d": dict(layers=(3, 4, 6, 3), cardinality=32, base_width=4),
    "seresnet50": dict(layers=(3, 4, 6, 3)),
}


def timm_cases(out_dir):
    # resnet18: torchvision's module (same keys as timm's resnet18), safetensors only.
    state = run_reference(out_dir, "timm_resnet18", torchvision_net("basic", (2, 2, 2, 2), 1000))
    d = folder(out_dir, "timm_resnet18")
    write_json(os.path.join(d, "config.json"),
               timm_config("resnet18", 1000, 512, timm_pretrained_cfg("a1_in1k", "conv1")))
    write_safetensors(os.path.join(d, "model.safetensors"), state)  # timm writes no __metadata__

    # resnet50d: the timm reference (deep stem, avg-down); both weight files, as push_to_hf_hub does.
    state = run_reference(out_dir, "timm_resnet50d", RefResNet(num_classes=1000, **TIMM_ARGS["resnet50d"]))
    d = folder(out_dir, "timm_resnet50d")
    write_json(os.path.join(d, "config.json"),
               timm_config("resnet50d", 1000, 2048, timm_pretrained_cfg("ra2_in1k", "conv1.0", crop_pct=0.875)))
    write_safetensors(os.path.join(d, "model.safetensors"), state)
    torch.save(state, os.path.join(d, "pytorch_model.bin"))

    # resnet26t fine-tuned to 10 classes: root num_classes and label_names, .bin only (OrderedDict).
    state = run_reference(out_dir, "timm_resnet26t", RefResNet(num_classes=10, **TIMM_ARGS["resnet26t"]))
    d = folder(out_dir, "timm_resnet26t")
    names = ["class_%02d" % i for i in range(10)]
    write_json(os.path.join(d, "config.json"),
               timm_config("resnet26t", 10, 2048,
                           timm_pretrained_cfg("ra2_in1k", "conv1.0", (3, 256, 256), crop_pct=0.94), names))
    torch.save(state, os.path.join(d, "pytorch_model.bin"))

    # resnext50_32x4d in timm 0.6's flat form: the cfg at the root, `labels`, .bin only.
    state = run_reference(out_dir, "timm_resnext50_32x4d", torchvision_net("bottleneck", (3, 4, 6, 3), 1000, 32, 4))
    d = folder(out_dir, "timm_resnext50_32x4d")
    legacy = OrderedDict([("url", ""), ("num_classes", 1000), ("input_size", [3, 224, 224]), ("pool_size", [7, 7]),
                          ("crop_pct", 0.875), ("interpolation", "bicubic"), ("mean", [0.485, 0.456, 0.406]),
                          ("std", [0.229, 0.224, 0.225]), ("first_conv", "conv1"), ("classifier", "fc"),
                          ("architecture", "resnext50_32x4d"), ("num_features", 2048)])
    write_json(os.path.join(d, "config.json"), legacy)
    torch.save(state, os.path.join(d, "pytorch_model.bin"))

    # transformers' TimmWrapper folder around resnet18: keys prefixed timm_model.
    state = run_reference(out_dir, "timmwrapper_resnet18", torchvision_net("basic", (2, 2, 2, 2), 3))
    d = folder(out_dir, "timmwrapper_resnet18")
    write_json(os.path.join(d, "config.json"), OrderedDict([
        ("architecture", "resnet18"), ("architectures", ["TimmWrapperForImageClassification"]),
        ("do_pooling", True), ("initializer_range", 0.02), ("label_names", ["cat", "dog", "bird"]),
        ("model_type", "timm_wrapper"), ("num_classes", 3), ("num_features", 512),
        ("pretrained_cfg", timm_pretrained_cfg("a1_in1k", "conv1")), ("torch_dtype", "float32"),
        ("transformers_version", "4.48.0")]))
    write_safetensors(os.path.join(d, "model.safetensors"),
                      OrderedDict(("timm_model." + k, v) for k, v in state.items()), {"format": "pt"})

    # Near miss: an SE architecture (resnet50's tensors plus its se.* tensors).
    net = RefResNet(num_classes=1000, **TIMM_ARGS["seresnet50"])
    state = net.state_dict()
    for layer, count, planes in (("layer1", 3, 64), ("layer2", 4, 128), ("layer3", 6, 256), ("layer4", 3, 512)):
        for b in range(count):
            out = planes * 4
            state["%s.%d.se.fc1.weight" % (layer, b)] = torch.zeros(out // 16, out, 1, 1)
            state["%s.%d.se.fc1.bias" % (layer, b)] = torch.zeros(out // 16)
            state["%s.%d.se.fc2.weight" % (layer, b)] = torch.zeros(out, out // 16, 1, 1)
            state["%s.%d.se.fc2.bias" % (layer, b)] = torch.zeros(out)
    d = folder(out_dir, "timm_seresnet50")
    write_json(os.path.join(d, "config.json"),
               timm_config("seresnet50", 1000, 2048, timm_pretrained_cfg("a1_in1k", "conv1")))
    write_safetensors(os.path.join(d, "model.safetensors"), state)


def imagenet_id2label():
    with open(os.path.join(REFERENCE, "imagenet-1k-labels.txt")) as f:
        names = [line.rstrip("\n") for line in f]
    return OrderedDict((str(i), n) for i, n in enumerate(names))


def hf_config(layer_type, depths, hidden, id2label, **extra):
    cfg = {"architectures": ["ResNetForImageClassification"], "depths": depths,
           "downsample_in_bottleneck": False, "downsample_in_first_stage": False, "embedding_size": 64,
           "hidden_act": "relu", "hidden_sizes": hidden, "id2label": id2label,
           "label2id": {v: int(k) for k, v in id2label.items()}, "layer_type": layer_type, "model_type": "resnet",
           "num_channels": 3, "out_features": ["stage4"], "out_indices": [4],
           "stage_names": ["stem", "stage1", "stage2", "stage3", "stage4"], "torch_dtype": "float32",
           "transformers_version": "4.40.2"}
    cfg.update(extra)
    return cfg


PREPROCESSOR = {"crop_pct": 0.875, "do_normalize": True, "do_rescale": True, "do_resize": True,
                "image_mean": [0.485, 0.456, 0.406], "image_processor_type": "ConvNextImageProcessor",
                "image_std": [0.229, 0.224, 0.225], "resample": 3, "rescale_factor": 0.00392156862745098,
                "size": {"shortest_edge": 224}}


def hf_cases(out_dir):
    labels = imagenet_id2label()
    cfg18 = hf_config("basic", [2, 2, 2, 2], [64, 128, 256, 512], labels)
    state = run_reference(out_dir, "hf_resnet18", HfResNetForImageClassification(cfg18))
    d = folder(out_dir, "hf_resnet18")
    write_json(os.path.join(d, "config.json"), cfg18, sort_keys=True)
    write_json(os.path.join(d, "preprocessor_config.json"), PREPROCESSOR, sort_keys=True)
    write_safetensors(os.path.join(d, "model.safetensors"), state, {"format": "pt"})

    five = OrderedDict((str(i), "kind %d" % i) for i in range(5))
    cfg50 = hf_config("bottleneck", [3, 4, 6, 3], [256, 512, 1024, 2048], five)
    state = run_reference(out_dir, "hf_resnet50", HfResNetForImageClassification(cfg50))
    d = folder(out_dir, "hf_resnet50")
    write_json(os.path.join(d, "config.json"), cfg50, sort_keys=True)
    torch.save(state, os.path.join(d, "pytorch_model.bin"))

    # Near miss: same tensors as resnet-18, but stage 1 is strided.
    d = folder(out_dir, "hf_downsample_first")
    write_json(os.path.join(d, "config.json"), dict(cfg18, downsample_in_first_stage=True), sort_keys=True)
    write_safetensors(os.path.join(d, "model.safetensors"), state_dict_of(HfResNetForImageClassification(cfg18)),
                      {"format": "pt"})


def state_dict_of(net):
    randomise(net, seeded("near miss"))
    return net.state_dict()


def torchvision_cases(out_dir):
    for arch, net in (("resnet50", torchvision_net("bottleneck", (3, 4, 6, 3), 1000)),
                      ("resnext50_32x4d", torchvision_net("bottleneck", (3, 4, 6, 3), 1000, 32, 4))):
        state = run_reference(out_dir, "tv_" + arch, net)
        torch.save(state, os.path.join(out_dir, "tv_%s.pth" % arch))
        legacy = state
        if arch == "resnet50":  # as saved before PyTorch 0.4.1: no BatchNorm counters
            legacy = OrderedDict((k, v) for k, v in state.items() if not k.endswith("num_batches_tracked"))
        torch.save(legacy, os.path.join(out_dir, "tv_%s_legacy.pth" % arch), _use_new_zipfile_serialization=False)
        # The same expected outputs serve the legacy file.
        with open(os.path.join(out_dir, "tv_%s.io.safetensors" % arch), "rb") as src:
            data = src.read()
        with open(os.path.join(out_dir, "tv_%s_legacy.io.safetensors" % arch), "wb") as dst:
            dst.write(data)

    # Near misses: a state_dict cut after layer3, and a network that is not a ResNet.
    full = state_dict_of(torchvision_net("basic", (2, 2, 2, 2), 1000))
    torch.save(OrderedDict((k, v) for k, v in full.items() if not k.startswith(("layer4.", "fc."))),
               os.path.join(out_dir, "truncated.pth"))
    vgg = nn.Sequential(OrderedDict([("features", nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(),
                                                                nn.Conv2d(16, 32, 3, padding=1))),
                                     ("classifier", nn.Linear(32, 10))]))
    torch.save(vgg.state_dict(), os.path.join(out_dir, "not_resnet.pth"))


# ---------------------------------------------------------------------------------------------
# timm 1.0's eval transform pieces (pretrained-formats.md §2.6), on PIL images with torchvision.


def keep_ratio_size(img, target, longest):
    """ResizeKeepRatio.get_params without random scaling: sides divided by the min or max ratio."""
    w, h = img.size
    ratio_h, ratio_w = h / target[0], w / target[1]
    ratio = max(ratio_h, ratio_w) * longest + min(ratio_h, ratio_w) * (1.0 - longest)
    return [round(h / ratio), round(w / ratio)]


def center_crop_or_pad(img, size, fill):
    import torchvision.transforms.functional as TF
    crop_h, crop_w = size
    w, h = img.size
    if crop_w > w or crop_h > h:
        pad = [(crop_w - w) // 2 if crop_w > w else 0, (crop_h - h) // 2 if crop_h > h else 0,
               (crop_w - w + 1) // 2 if crop_w > w else 0, (crop_h - h + 1) // 2 if crop_h > h else 0]
        img = TF.pad(img, pad, fill=tuple(fill))
        w, h = img.size
        if (w, h) == (crop_w, crop_h):
            return img
    return TF.crop(img, int(round((h - crop_h) / 2.0)), int(round((w - crop_w) / 2.0)), crop_h, crop_w)


def recipe_cases(out_dir):
    import numpy as np
    import torchvision.transforms.functional as TF
    from PIL import Image
    from torchvision.transforms import InterpolationMode
    pixels = np.random.RandomState(11).randint(0, 256, (61, 97, 3), dtype=np.uint8)
    img = Image.fromarray(pixels, "RGB")
    img.save(os.path.join(out_dir, "recipe_input.png"))
    mean = [0.485, 0.456, 0.406]
    # border: input_size [3, 64, 48], crop_pct 0.9, bicubic -> scale (71, 53), fit inside, pad with mean.
    scale = (math.floor(64 / 0.9), math.floor(48 / 0.9))
    r = TF.resize(img, keep_ratio_size(img, scale, 1.0), InterpolationMode.BICUBIC)
    center_crop_or_pad(r, (64, 48), [round(255 * m) for m in mean]).save(os.path.join(out_dir, "recipe_border.png"))
    # center, non-square: input_size [3, 48, 64], crop_pct 0.875, "bicubic" in the cfg, but timm builds
    # ResizeKeepRatio(scale_size) with its default bilinear filter.
    scale = (math.floor(48 / 0.875), math.floor(64 / 0.875))
    r = TF.resize(img, keep_ratio_size(img, scale, 0.0), InterpolationMode.BILINEAR)
    TF.center_crop(r, [48, 64]).save(os.path.join(out_dir, "recipe_center_nonsquare.png"))


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    sources = [__file__, os.path.join(os.path.dirname(os.path.abspath(__file__)), "make_parity_fixtures.py")]
    digest = hashlib.sha256(b"".join(open(p, "rb").read() for p in sources) + torch.__version__.encode())
    stamp = os.path.join(out_dir, "stamp")
    if os.path.exists(stamp) and open(stamp).read() == digest.hexdigest():
        print("fixtures up to date in", out_dir)
        return
    torch.set_num_threads(1)
    timm_cases(out_dir)
    hf_cases(out_dir)
    torchvision_cases(out_dir)
    recipe_cases(out_dir)
    with open(stamp, "w") as f:
        f.write(digest.hexdigest())
    print("fixtures written to", out_dir)


if __name__ == "__main__":
    main()
