#!/usr/bin/env python3
"""Writes the hostile inputs of issue 15 into OUTDIR (the build tree, never the repo).

Each input is small on disk (at most a few MB) but was once able to crash, hang or exhaust memory,
or to pass as safe while torch.load would run its payload. test_hostile_inputs runs `mwb` on each.
Standard library only, so it runs anywhere; nothing here is ever unpickled."""

import json
import os
import struct
import sys
import zipfile

OUT = sys.argv[1]


def path(*parts):
    p = os.path.join(OUT, *parts)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    return p


def write(rel, data):
    with open(path(rel), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def safetensors(header: dict, data: bytes = b"") -> bytes:
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


SMALL_CONFIG = {"model_type": "resnet", "block_type": "basic", "layers": [1, 1, 1, 1], "num_classes": 3}

# ---- JSON ----
write("json/num_1e400.json", '{"model_type": "resnet", "num_classes": 1e400}')
write("json/deep_config.json", '{"model_type": "resnet", "task_specific_params": %s}' % deep(200_000))
write("json/deep_folder/config.json", '{"model_type": "resnet", "extra": %s}' % deep(200_000))
write("json/deep_index/model.safetensors.index.json",
      '{"metadata": {"total_size": %s}, "weight_map": {"a": "model.safetensors"}}' % deep(200_000))
write("json/deep_index/model.safetensors", safetensors({}))
deep_meta = ('{"__metadata__": {"format": "pt", "x": %s}}' % deep(100_000)).encode()
deep_meta += b" " * (-len(deep_meta) % 8)
write("json/deep_metadata.safetensors", struct.pack("<Q", len(deep_meta)) + deep_meta)
write("json/many_tensors.safetensors",
      safetensors({"t%06d" % i: {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]} for i in range(200_000)}))

# ---- not regular files ----
fifo = path("files/fifo")
if not os.path.exists(fifo):
    os.mkfifo(fifo)

# ---- pickles (built opcode by opcode; never unpickled here) ----
def su(text: str) -> bytes:  # BINUNICODE
    b = text.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def glob(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def call_system() -> bytes:  # with the callable on the stack: callable("echo pwned")
    return b"(" + su("echo pwned") + b"tR"


def long1(value: int) -> bytes:
    b = value.to_bytes((value.bit_length() + 8) // 8, "little", signed=True)
    return b"\x8a" + bytes([len(b)]) + b


def rebuild_tensor(name: str, size, stride, numel: int = 1) -> bytes:
    """{name: _rebuild_tensor_v2(storage '0' of `numel` floats, 0, size, stride, False, OrderedDict())}"""
    storage = b"(" + su("storage") + glob("torch", "FloatStorage") + su("0") + su("cpu") + long1(numel) + b"tQ"
    ints = lambda values: b"(" + b"".join(long1(v) for v in values) + b"t"
    args = b"(" + storage + long1(0) + ints(size) + ints(stride) + b"\x89" + glob("collections", "OrderedDict") + b")Rt"
    return (b"\x80\x02" + glob("collections", "OrderedDict") + b")R" + su(name) +
            glob("torch._utils", "_rebuild_tensor_v2") + args + b"Rs.")


def torch_zip(rel, pickle: bytes, storages=None, extra=(), compress=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path(rel), "w", compress) as z:
        z.writestr("archive/data.pkl", pickle)
        for name, data in extra:
            z.writestr(name, data)
        z.writestr(zipfile.ZipInfo("archive/version"), "3\n")
        for key, data in (storages or {}).items():
            z.writestr(zipfile.ZipInfo("archive/data/" + key), data)


PAYLOAD = b"\x80\x02" + glob("os", "system") + call_system() + b"."
BENIGN = b"\x80\x02" + glob("collections", "OrderedDict") + b")R."

# Budgets: 20 MB of NONE (one object each), and 6 M opcodes that keep the stack small.
torch_zip("pickle/none_bomb.pt", b"\x80\x02" + b"N" * 20_000_000 + b".")
torch_zip("pickle/opcode_flood.pt", b"\x80\x02}" + b"N0" * 3_000_000 + b".")
# 300,000 distinct globals, each popped at once: once quadratic in the de-duplication.
torch_zip("pickle/many_globals.pt",
          b"\x80\x02" + b"".join(glob("m%d" % i, "f") + b"0" for i in range(300_000)) + b"}.")
# Two archive/data.pkl entries: PyTorch reads the first (the payload), other readers the last.
with zipfile.ZipFile(path("pickle/duplicate_data_pkl.pt"), "w") as z:
    z.writestr("archive/data.pkl", PAYLOAD)
    with __import__("warnings").catch_warnings():
        __import__("warnings").simplefilter("ignore")
        z.writestr("archive/data.pkl", BENIGN)
    z.writestr("archive/version", "3\n")
torch_zip("pickle/compressed_data_pkl.pt", PAYLOAD, compress=zipfile.ZIP_DEFLATED)
# Legacy file with only three pickles: magic, protocol, then a payload where sys_info belongs.
MAGIC = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19\x2e"
write("pickle/legacy_three_pickles.pt", MAGIC + b"\x80\x02M\xe9\x03." + PAYLOAD)
# Text PUT: the memo indexes of the MEMOIZEs after it shift by one. Modelled exactly, BINGET 1 and 3
# are "os" and "system"; with PUT ignored they would read "torch._utils" and "_rebuild_tensor_v2".
memo_shift = (b"\x80\x04" + su("x") + b"p0\n" + su("os") + b"\x94" + su("torch._utils") + b"\x94" + su("system") +
              b"\x94" + su("_rebuild_tensor_v2") + b"\x94" + b"h\x01h\x03\x93" + call_system() + b".")
torch_zip("pickle/text_put_memo_shift.pt", memo_shift)
# POP and a MARK popped by POP leave "os" and "system" on top for STACK_GLOBAL.
pop_tricks = (b"\x80\x04" + su("os") + su("system") + su("torch._utils") + su("_rebuild_tensor_v2") + b"00" +
              b"(0" + b"2" + b"0" + b"\x93" + call_system() + b".")
torch_zip("pickle/pop_dup_mark_tricks.pt", pop_tricks)
# Callables once missing from the denylist.
for module, name in [("timeit", "timeit"), ("pdb", "run"), ("numpy.testing._private.utils", "runstring"),
                     ("_io", "open"), ("_operator", "attrgetter"), ("torch", "load")]:
    torch_zip("pickle/callable_%s.%s.pt" % (module, name),
              b"\x80\x02" + glob(module, name) + call_system() + b".")
# A bare pickle (no torch.save magic): torch.load unpickles it before checking the magic number.
write("pickle/bare_payload.bin", PAYLOAD)
# Stride-0 views: far larger than their one-element storage.
torch_zip("pickle/stride0_huge.pt", rebuild_tensor("w", [1 << 20, 1 << 20], [0, 0]), {"0": b"\0" * 4})
torch_zip("pickle/stride0_overflow.pt", rebuild_tensor("w", [1 << 32, 1 << 32], [0, 0]), {"0": b"\0" * 4})

# ---- images: check what the decoder allocates, not what a header claims ----
import zlib


def png(width, height, bit_depth=8, colour=2, idat=b"", extra=b""):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra + chunk(b"IDAT", zlib.compress(idat)) + chunk(b"IEND", b"")


write("images/png_ffffffff.png", png(0xFFFFFFFF, 0xFFFFFFFF))
write("images/png16_rgba_13000.png", png(13000, 13000, 16, 6))  # 169 M pixels, 1.35 GB decoded
# A simple lossless WebP (VP8L, 16384x16384 in its bitstream header) followed by a VP8X chunk that
# claims 1x1: libwebp ignores the trailing chunk.
vp8l = b"\x2f" + struct.pack("<I", (16383) | (16383 << 14)) + b"\x00" * 8
vp8x = b"\x00\x00\x00\x00" + (0).to_bytes(3, "little") + (0).to_bytes(3, "little")
body = b"WEBP" + b"VP8L" + struct.pack("<I", len(vp8l)) + vp8l + b"VP8X" + struct.pack("<I", len(vp8x)) + vp8x
write("images/webp_trailing_chunk.webp", b"RIFF" + struct.pack("<I", len(body)) + body)


def tiff(width, height, tile=None):
    entries = [(256, 4, width), (257, 4, height), (258, 3, 8), (259, 3, 1), (262, 3, 2), (277, 3, 3)]
    if tile:
        entries += [(322, 4, tile), (323, 4, tile), (324, 4, 0), (325, 4, 0)]
    else:
        entries += [(273, 4, 0), (278, 4, height), (279, 4, 0)]
    ifd = struct.pack("<H", len(entries)) + b"".join(struct.pack("<HHII", t, k, 1, v) for t, k, v in sorted(entries))
    return b"II*\0" + struct.pack("<I", 8) + ifd + b"\0\0\0\0"


write("images/tiff_1x1_huge_tile.tif", tiff(1, 1, tile=16384))


def png_chunk(kind, data, crc=None):
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF if crc is None else crc
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


# Files libpng and libjpeg complain about on stderr (OpenCV lets them): mwb must print only its own line.
rows = b"".join(b"\0" + bytes([x * 60, y * 60, 128]) * 4 for y in range(4) for x in range(1))
write("images/png_bad_iccp.png", png(4, 4, idat=rows, extra=png_chunk(b"iCCP", b"bad\0\0not a zlib stream") +
                                     png_chunk(b"tEXt", b"\0no keyword")))
good = png(4, 4, idat=rows)
idat_at = good.index(b"IDAT") - 4
idat_len = struct.unpack(">I", good[idat_at:idat_at + 4])[0]
write("images/png_idat_crc.png", good[:idat_at + 8 + idat_len] + b"\0\0\0\0" + good[idat_at + 12 + idat_len:])
write("images/png_idat_garbage.png", png(4, 4, idat=rows)[:idat_at] +
      png_chunk(b"IDAT", b"\x78\x9c" + b"\xff" * 40) + png_chunk(b"IEND", b""))
write("images/not_an_image.jpg", b"this is not an image\n")

# ---- a tiny model to classify with (config only: the test builds its weights with mwb model init) ----
write("model/config.json", json.dumps(SMALL_CONFIG))
write("configs/num_classes_1e6.json", json.dumps(dict(SMALL_CONFIG, num_classes=1_000_000)))
# A model_type that is not a string was once reported as absent.
write("configs/model_type_number/config.json", json.dumps(dict(SMALL_CONFIG, model_type=42)))
# Bottleneck blocks 16 times as wide as resnet50's: 838 M parameters, 3.4 GB as float32.
write("configs/base_width_1024.json", json.dumps(dict(SMALL_CONFIG, block_type="bottleneck", base_width=1024)))
for name, processor in [("crop_65536", {"do_resize": False, "do_center_crop": True, "crop_size": 65536}),
                        ("crop_6000", {"do_resize": True, "size": {"shortest_edge": 6000}, "do_center_crop": True,
                                       "crop_size": {"height": 6000, "width": 6000}}),
                        ("deep", None)]:
    text = json.dumps(processor) if processor else '{"image_mean": %s}' % deep(200_000)
    write("processors/%s.json" % name, text)

# A 1024x1024 input for the tiny model (float16, 6 MB): its activations need a few hundred MB, more
# than test_hostile_inputs leaves the forward under RLIMIT_AS.
side = 1024
write("tensors/pixels_1024_f16.safetensors",
      safetensors({"pixel_values": {"dtype": "F16", "shape": [1, 3, side, side],
                                    "data_offsets": [0, 3 * side * side * 2]}}, b"\0" * (3 * side * side * 2)))

# ---- review, trust, push: files outside the repo folder; a slow Python file; pickles in a repo ----
def repo(rel, config):
    write(rel + "/config.json", json.dumps(config))


auto_config = dict(SMALL_CONFIG, auto_map={"AutoConfig": "configuration_x.XConfig"})
repo("review/symlink", auto_config)
link = path("review/symlink/configuration_x.py")
if not os.path.lexists(link):
    os.symlink("/etc/passwd", link)
repo("review/nested_calls", dict(SMALL_CONFIG, auto_map={"AutoModel": "modeling_x.XModel"}))
write("review/nested_calls/modeling_x.py", "x = " + "f(" * 100_000 + ")" * 100_000 + "\n")
repo("review/pickles", SMALL_CONFIG)
write("review/pickles/pytorch_model.bin", MAGIC + b"\x80\x02M\xe9\x03." + PAYLOAD)
with open(path("review/pickles/compressed.pt"), "wb") as f:
    f.write(open(path("pickle/compressed_data_pkl.pt"), "rb").read())
write("review/pickles/stream.pkl", BENIGN + PAYLOAD)
