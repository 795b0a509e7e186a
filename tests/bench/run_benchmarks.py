#!/usr/bin/python3
"""The inference benchmark of issue 10, in one run on one set of weights and images.

Usage: run_benchmarks.py --mwb PATH/TO/mwb [--work DIR] [--images N] [--seconds S]

1. Writes a resnet50 pretrained folder with `mwb model init --seed 0` (fixed seed, no download) and
   N photo-sized JPEGs (1280x960, smooth shapes and noise, quality 90) from a fixed seed.
2. python3-torch on the same weights (torchvision's resnet50: timm's key names) and the same JPEGs:
   - eager float32, end to end (PIL decode, resize 256 bicubic, crop 224, normalize; batch 8),
   - TorchScript script + freeze + optimize_for_inference, 1 thread and 2 threads: end to end at
     batch 8, and batch-1 latency of the forward pass,
   - bfloat16 weights, channels_last, eager and autocast, 1 and 2 threads: forward only, batch 8.
3. The app: `mwb bench` in exact and fast precision, end to end on the same folder at batch 8 and
   forward latency at batch 1; model load + engine build time from a warm cache.
Prints every figure and the ratios the issue's goals are stated in. Run it with `nice` on a shared
machine and read the load average it prints.
"""

import argparse
import json
import os
import struct
import subprocess
import sys
import time

import numpy as np
import torch
import torchvision.models as tvm
import torchvision.transforms as T
from PIL import Image, ImageDraw, ImageFilter


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def make_images(folder, count, seed=0):
    os.makedirs(folder, exist_ok=True)
    rng = np.random.RandomState(seed)
    paths = []
    for i in range(count):
        path = os.path.join(folder, "photo_%03d.jpg" % i)
        paths.append(path)
        if os.path.exists(path):
            continue
        w, h = 1280, 960
        base = np.zeros((h, w, 3), np.float32)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        for c in range(3):
            base[..., c] = 128 + 60 * np.sin(xx / rng.uniform(40, 200) + rng.uniform(0, 6)) * \
                np.cos(yy / rng.uniform(40, 200) + rng.uniform(0, 6))
        image = Image.fromarray(np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8))
        draw = ImageDraw.Draw(image)
        for _ in range(12):
            x0, y0 = rng.randint(0, w - 100), rng.randint(0, h - 100)
            box = [x0, y0, x0 + rng.randint(50, 400), y0 + rng.randint(50, 400)]
            draw.ellipse(box, fill=tuple(int(v) for v in rng.randint(0, 255, 3)))
        image.filter(ImageFilter.GaussianBlur(1.2)).save(path, quality=90)
    return paths


def read_safetensors(path):
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
        data = f.read()
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        dtype = {"F32": np.float32, "I64": np.int64}[entry["dtype"]]
        tensors[name] = torch.from_numpy(np.frombuffer(data[begin:end], dtype).reshape(entry["shape"]).copy())
    return tensors


def make_model(mwb, work):
    folder = os.path.join(work, "resnet50")
    if not os.path.exists(os.path.join(folder, "model.safetensors")):
        subprocess.run([mwb, "config", "new", "--preset", "resnet50", "-o", folder + "_config"], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run([mwb, "model", "init", folder + "_config", "-o", folder, "--seed", "0"], check=True,
                       stdout=subprocess.DEVNULL)
    return folder


def torch_model(folder):
    net = tvm.resnet50()
    state = {k[len("model."):] if k.startswith("model.") else k: v
             for k, v in read_safetensors(os.path.join(folder, "model.safetensors")).items()}
    net.load_state_dict(state, strict=False)  # num_batches_tracked is not saved
    return net.eval()


TRANSFORM = T.Compose([T.Resize(256, interpolation=T.InterpolationMode.BICUBIC), T.CenterCrop(224), T.ToTensor(),
                       T.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))])


def end_to_end(forward, paths, batch=8):
    """images/s of decode + preprocess + forward + softmax/top-5, after one warm-up batch."""
    with torch.inference_mode():
        forward(torch.stack([TRANSFORM(Image.open(p).convert("RGB")) for p in paths[:batch]]))
        start = time.perf_counter()
        for i in range(0, len(paths), batch):
            x = torch.stack([TRANSFORM(Image.open(p).convert("RGB")) for p in paths[i:i + batch]])
            forward(x).softmax(1).topk(5)
        return len(paths) / (time.perf_counter() - start)


def forward_timing(forward, x, seconds):
    """(images/s, median ms, p90 ms) of forward(x), after 3 warm-up runs."""
    with torch.inference_mode():
        for _ in range(3):
            forward(x)
        runs, start = [], time.perf_counter()
        while len(runs) < 5 or time.perf_counter() - start < seconds:
            t = time.perf_counter()
            forward(x)
            runs.append(time.perf_counter() - t)
    runs.sort()
    return x.shape[0] * len(runs) / sum(runs), 1000 * runs[len(runs) // 2], 1000 * runs[len(runs) * 9 // 10]


def run_mwb(mwb, args):
    out = subprocess.run([mwb, "bench"] + args + ["--json"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mwb", required=True)
    parser.add_argument("--work", default="/tmp/mwb-bench")
    parser.add_argument("--images", type=int, default=64)
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    paths = make_images(os.path.join(args.work, "photos"), args.images)
    folder = make_model(args.mwb, args.work)
    net = torch_model(folder)
    cores = len(os.sched_getaffinity(0))
    figures = {}

    def show(name, value, unit):
        figures[name] = value
        print("  %-62s %8.2f %s" % (name, value, unit), flush=True)

    print("machine: %d CPUs, load average %s (before); python3-torch %s, %d images %s" %
          (cores, load_average(), torch.__version__, len(paths), Image.open(paths[0]).size), flush=True)

    print("python3-torch:")
    torch.set_num_threads(cores)
    show("eager float32, end to end, batch 8, %d threads" % cores, end_to_end(net, paths[:16]), "images/s")
    scripted = torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.script(net)))
    single = torch.randn(1, 3, 224, 224)
    for threads in sorted({1, cores}):
        torch.set_num_threads(threads)
        show("TorchScript frozen+optimize_for_inference, end to end, %d thr" % threads,
             end_to_end(scripted, paths), "images/s")
        show("TorchScript frozen+optimize_for_inference, batch-1 latency, %d thr" % threads,
             forward_timing(scripted, single, args.seconds)[1], "ms")
    bf16 = torch_model(folder).to(torch.bfloat16).to(memory_format=torch.channels_last)
    x8 = torch.randn(8, 3, 224, 224)
    for threads in sorted({1, cores}):
        torch.set_num_threads(threads)
        show("bf16 weights, channels_last, eager, forward batch 8, %d thr" % threads,
             forward_timing(bf16, x8.to(torch.bfloat16).contiguous(memory_format=torch.channels_last),
                            args.seconds)[0], "images/s")
        cl = torch_model(folder).to(memory_format=torch.channels_last)

        def autocast(x, model=cl):
            with torch.autocast("cpu", dtype=torch.bfloat16):
                return model(x)
        show("autocast bf16, channels_last, eager, forward batch 8, %d thr" % threads,
             forward_timing(autocast, x8.contiguous(memory_format=torch.channels_last), args.seconds)[0],
             "images/s")
    del scripted, bf16

    print("the app (mwb bench, %d threads = physical cores by default):" % cores)
    run_mwb(args.mwb, [folder, "--seconds", "1"])  # warm the file cache
    for precision in ("exact", "fast"):
        r = run_mwb(args.mwb, [folder, "--precision", precision, "--batch-size", "8", "--seconds", str(args.seconds)]
                    + paths)
        show("app %s, end to end, batch 8" % precision, r["end_to_end"]["images_per_second"], "images/s")
        show("app %s, forward batch 8" % precision, r["forward"]["images_per_second"], "images/s")
        show("app %s, model load + engine build (warm)" % precision, r["load_seconds"] + r["build_seconds"], "s")
        r1 = run_mwb(args.mwb, [folder, "--precision", precision, "--batch-size", "1", "--seconds", str(args.seconds)])
        show("app %s, batch-1 latency" % precision, r1["forward"]["latency_ms_median"], "ms")

    f = figures
    ts_e2e = max(v for k, v in f.items() if k.startswith("TorchScript") and "end to end" in k)
    ts_lat = min(v for k, v in f.items() if k.startswith("TorchScript") and "latency" in k)
    bf16_best = max(v for k, v in f.items() if ("bf16" in k) and not k.startswith("app"))
    print("ratios (goal in brackets):")
    print("  exact end to end / best TorchScript end to end: %.2fx  [>= 1.15x]" % (f["app exact, end to end, batch 8"] / ts_e2e))
    print("  exact batch-1 latency / best TorchScript batch-1 latency: %.2fx  [<= 0.87x]" % (f["app exact, batch-1 latency"] / ts_lat))
    print("  fast forward batch 8 / best python bf16 forward batch 8: %.2fx  [>= 1.5x]" % (f["app fast, forward batch 8"] / bf16_best))
    print("  fast end to end / best TorchScript end to end: %.2fx" % (f["app fast, end to end, batch 8"] / ts_e2e))
    print("  exact end to end / python eager end to end: %.2fx" % (f["app exact, end to end, batch 8"] / f["eager float32, end to end, batch 8, %d threads" % cores]))
    print("load average (after): %s" % load_average())


if __name__ == "__main__":
    sys.exit(main())
