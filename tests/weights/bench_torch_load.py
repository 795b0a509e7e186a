#!/usr/bin/python3
"""Companion of bench_weights_load: Python's side of the comparison.

  bench_torch_load.py --convert model.safetensors pytorch_model.bin   (safetensors read with numpy)
  bench_torch_load.py --load pytorch_model.bin                        (prints the measured figures)
"""

import collections
import json
import os
import struct
import sys
import time

import numpy
import torch

DTYPES = {"F32": numpy.float32, "F64": numpy.float64, "F16": numpy.float16, "I64": numpy.int64,
          "I32": numpy.int32, "I16": numpy.int16, "I8": numpy.int8, "U8": numpy.uint8, "BOOL": numpy.bool_}


def status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    return -1.0


def print_memory(when):
    print("  %-28s VmHWM %7.1f MB   VmRSS %7.1f MB" % (when, status("VmHWM"), status("VmRSS")))


def convert(source, target):
    with open(source, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    start = 8 + length
    state = collections.OrderedDict()
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        array = numpy.frombuffer(data[start + begin:start + end], dtype=DTYPES[entry["dtype"]])
        state[name] = torch.from_numpy(array.copy()).reshape(entry["shape"])
    torch.save(state, target)


def load(path):
    print("Python torch.load of %s, %.1f MB" % (path, os.path.getsize(path) / 1e6))
    print_memory("before load (torch imported):")
    start = time.perf_counter()
    state = torch.load(path, map_location="cpu")
    load_ms = (time.perf_counter() - start) * 1000
    print("  load time: %.1f ms for %d tensors, %d elements" %
          (load_ms, len(state), sum(t.numel() for t in state.values())))
    print_memory("after load:")
    start = time.perf_counter()
    total = sum(t.double().sum().item() for t in state.values())
    print("  read every value (sum %.3f): %.1f ms" % (total, (time.perf_counter() - start) * 1000))
    print_memory("after reading every value:")


if __name__ == "__main__":
    if sys.argv[1] == "--convert":
        convert(sys.argv[2], sys.argv[3])
    else:
        load(sys.argv[2])
