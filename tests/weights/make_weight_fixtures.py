#!/usr/bin/python3
"""Writes the weight-file fixtures for tests/weights into OUTDIR (run by CTest as a fixture setup).

Good files: one small state_dict saved every way Python users save it (torch.save zip as an
OrderedDict with `_metadata`, as a plain dict, legacy pre-1.6 format, wrapped checkpoints,
safetensors written by the small independent writer below, shards with an index), plus
expected.json with every tensor's dtype, shape and values, so the C++ side compares against numbers
Python computed, not against its own writer.

Hostile files: broken safetensors headers, pickles that import os.system & co. (written opcode by
opcode; never unpickled here), zip archives with members that do not belong, shard indexes that
point outside their folder. Nothing hostile is ever executed.
"""

import collections
import io
import json
import os
import struct
import sys
import zipfile

import torch

OUT = sys.argv[1] if len(sys.argv) > 1 else "weight_fixtures"


def path(*parts):
    p = os.path.join(OUT, *parts)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    return p


# ---------------------------------------------------------------- the state_dict
def make_state_dict():
    torch.manual_seed(1234)
    module = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4))
    module[1].num_batches_tracked.fill_(7)
    with torch.no_grad():
        module[1].running_mean.uniform_(-1, 1)
    sd = module.state_dict()  # an OrderedDict carrying `_metadata`
    sd["extra.f16"] = torch.randn(3, 2).half()
    sd["extra.bf16"] = torch.randn(5).bfloat16()
    sd["extra.f64"] = torch.randn(2, 3, dtype=torch.float64)
    sd["extra.i32"] = torch.arange(-3, 3, dtype=torch.int32)
    sd["extra.i16"] = torch.tensor([-300, 7], dtype=torch.int16)
    sd["extra.i8"] = torch.tensor([-128, 0, 127], dtype=torch.int8)
    sd["extra.u8"] = torch.tensor([0, 200, 255], dtype=torch.uint8)
    sd["extra.bool"] = torch.tensor([True, False, True])
    sd["extra.scalar_f32"] = torch.tensor(2.5)
    sd["extra.empty"] = torch.zeros(0, 3)
    base = torch.randn(4, 6)
    sd["view.transposed"] = base.t()  # non-contiguous view of a shared storage
    sd["view.row"] = base[2]  # offset view of the same storage
    return sd


def dtype_name(t):
    return {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
            torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
            torch.uint8: "U8", torch.bool: "BOOL"}[t.dtype]


def expected_json(sd):
    return {name: {"dtype": dtype_name(t), "shape": list(t.shape),
                   "values": t.double().flatten().tolist()} for name, t in sd.items()}


# ------------------------------------------------ an independent safetensors writer
def safetensors_bytes(tensors, metadata=None, pad=True, unaligned=False):
    header, blobs, offset = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    # Wider elements first keeps every tensor aligned to its element size (as the reference writer's
    # sort does); unaligned=True keeps dict order, which leaves data misaligned like old files.
    items = list(tensors.items())
    if not unaligned:
        items.sort(key=lambda item: (-item[1].element_size(), item[0]))
    for name, t in items:
        data = t.contiguous().numpy().tobytes() if t.dtype != torch.bfloat16 else \
            t.contiguous().view(torch.int16).numpy().tobytes()
        header[name] = {"dtype": dtype_name(t), "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    if pad:
        text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def raw_safetensors(header_text, data=b""):
    text = header_text.encode() if isinstance(header_text, str) else header_text
    return struct.pack("<Q", len(text)) + text + data


def write(rel, data):
    with open(path(rel), "wb") as f:
        f.write(data)


# ---------------------------------------------------------------- good fixtures
def write_good(sd):
    torch.save(sd, path("good", "sd_zip.pt"))
    torch.save(dict(sd), path("good", "sd_dict.bin"))
    torch.save(sd, path("good", "sd_legacy.pth"), _use_new_zipfile_serialization=False)
    torch.save({"state_dict": sd, "epoch": 3}, path("good", "sd_wrapped.ckpt"))
    torch.save({"model": sd, "step": 10}, path("good", "sd_model_wrapped.pth"))
    write("good/sd.safetensors", safetensors_bytes(sd, {"format": "pt"}))
    write("good/unpadded.safetensors", safetensors_bytes(
        collections.OrderedDict([("a.u8", sd["extra.u8"]), ("b.f32", sd["0.weight"])]), pad=False,
        unaligned=True))
    write("good/folder_st/model.safetensors", safetensors_bytes(sd, {"format": "pt"}))
    torch.save(sd, path("good", "folder_bin", "pytorch_model.bin"))

    names = list(sd.keys())
    half = len(names) // 2
    shards = {"model-00001-of-00002.safetensors": names[:half], "model-00002-of-00002.safetensors": names[half:]}
    weight_map = {}
    for shard, shard_names in shards.items():
        write("good/sharded_st/" + shard, safetensors_bytes({n: sd[n] for n in shard_names}))
        weight_map.update({n: shard for n in shard_names})
    with open(path("good", "sharded_st", "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": 0}, "weight_map": weight_map}, f)

    bin_shards = {"pytorch_model-00001-of-00002.bin": names[:half], "pytorch_model-00002-of-00002.bin": names[half:]}
    weight_map = {}
    for shard, shard_names in bin_shards.items():
        torch.save({n: sd[n] for n in shard_names}, path("good", "sharded_bin", shard))
        weight_map.update({n: shard for n in shard_names})
    with open(path("good", "sharded_bin", "pytorch_model.bin.index.json"), "w") as f:
        json.dump({"metadata": {}, "weight_map": weight_map}, f)

    with open(path("good", "expected.json"), "w") as f:
        json.dump(expected_json(sd), f)


# ---------------------------------------------------------------- hostile safetensors
def write_hostile_safetensors(sd):
    good = safetensors_bytes({"w": torch.arange(6, dtype=torch.float32)})
    four_floats = struct.pack("<4f", 1, 2, 3, 4)
    cases = {
        "truncated": good[:-4],
        "tiny": b"\x08\x00\x00",
        "header_past_end": struct.pack("<Q", 1000) + b'{"w":{}}',
        "header_too_large": struct.pack("<Q", 200_000_000) + b"{}      ",
        "bad_json": raw_safetensors("{not json}", b""),
        "invalid_utf8": raw_safetensors(b'{"w\xff":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}'),
        "overlap": raw_safetensors('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},'
                                   '"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}', four_floats[:12]),
        "out_of_range": raw_safetensors('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},'
                                        '"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}', four_floats[:8]),
        "hole": raw_safetensors('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
                                '"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}', four_floats[:12]),
        "trailing_bytes": raw_safetensors('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', four_floats),
        "unknown_dtype": raw_safetensors('{"a":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}}', four_floats[:8]),
        "float8_dtype": raw_safetensors('{"a":{"dtype":"F8_E4M3","shape":[8],"data_offsets":[0,8]}}',
                                        four_floats[:8]),
        "wrong_byte_count": raw_safetensors('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}',
                                            four_floats[:8]),
        "duplicate_name": raw_safetensors('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},'
                                          '"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', four_floats[:8]),
        "metadata_not_string": raw_safetensors('{"__metadata__":{"format":1},'
                                               '"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}',
                                               four_floats[:8]),
        "shape_overflow": raw_safetensors('{"a":{"dtype":"F32","shape":[4611686018427387904,4611686018427387904],'
                                          '"data_offsets":[0,8]}}', four_floats[:8]),
        "negative_offset": raw_safetensors('{"a":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}}',
                                           four_floats[:8]),
        "not_an_object": raw_safetensors('[1,2,3]'),
    }
    for name, data in cases.items():
        write("hostile/" + name + ".safetensors", data)


# ---------------------------------------------------------------- hostile pickles
def zip_with(members, rel, compress=zipfile.ZIP_STORED):
    """A torch.save-shaped zip with the given members (name -> bytes)."""
    with zipfile.ZipFile(path(rel), "w", compression=compress) as z:
        for name, data in members.items():
            z.writestr(name, data)


def pickle_text(text):
    data = text.encode()
    return b"X" + struct.pack("<I", len(data)) + data


def write_hostile_pickles():
    proto2 = b"\x80\x02"
    empty_tuple_reduce = b")R"
    pickles = {
        # os.system("echo pwned") via GLOBAL + REDUCE
        "os_system": proto2 + b"cos\nsystem\n" + pickle_text("echo pwned") + b"\x85R.",
        # builtins.eval("1+1")
        "builtins_eval": proto2 + b"cbuiltins\neval\n" + pickle_text("1+1") + b"\x85R.",
        # subprocess.Popen(["true"]) via protocol-4 STACK_GLOBAL with memoized strings
        "subprocess_popen": b"\x80\x04\x8c\x0asubprocess\x94\x8c\x05Popen\x94\x93]" + pickle_text("true") +
                            b"a\x85R.",
        # posix.system through INST
        "posix_inst": b"(" + pickle_text("id") + b"iposix\nsystem\n.",
        # REDUCE on a global that is not allowlisted but not known-dangerous either
        "reduce_counter": proto2 + b"ccollections\nCounter\n" + empty_tuple_reduce + b".",
        # REDUCE whose callable is a dict built by the allowlisted OrderedDict
        "reduce_on_dict": proto2 + b"ccollections\nOrderedDict\n" + empty_tuple_reduce + empty_tuple_reduce + b".",
        # 200,000 nested lists: must neither recurse nor destroy recursively
        "deep_nesting": proto2 + b"]" * 200_000 + b"a" * 199_999 + b".",
        # BUILD on an allowlisted function object
        "build_on_global": proto2 + b"ctorch._utils\n_rebuild_tensor_v2\n}b.",
    }
    for name, data in pickles.items():
        zip_with({"archive/data.pkl": data, "archive/version": b"3\n"}, "hostile/" + name + ".pt")
    # The legacy container around a dangerous object pickle.
    magic = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19\x2e"
    protocol = b"\x80\x02M\xe9\x03."
    sys_info = proto2 + b"}" + pickle_text("little_endian") + b"\x88s."
    write("hostile/legacy_os_system.pth", magic + protocol + sys_info + pickles["os_system"] + proto2 + b"].")


def torch_zip_members(obj):
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as z:
        return {info.filename: z.read(info) for info in z.infolist()}, buffer.getvalue()


class OutOfBoundsView:
    """Pickles as a tensor whose view reaches past its 2-element storage (never unpickled)."""

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2,
                (torch.zeros(2).storage(), 0, (10,), (1,), False, collections.OrderedDict()))


def write_hostile_containers(sd):
    members, raw = torch_zip_members(dict(sd))
    zip_with(dict(members, **{"archive/evil.py": b"import os\n"}), "hostile/zip_unexpected_member.pt")
    zip_with(members, "hostile/zip_compressed.pt", zipfile.ZIP_DEFLATED)
    zip_with(dict(members, **{"elsewhere/data/9": b"\0" * 8}), "hostile/zip_outside_prefix.pt")
    zip_with(dict(members, **{"archive/../data/9": b"\0" * 8}), "hostile/zip_dotdot.pt")
    write("hostile/zip_truncated.pt", raw[: len(raw) // 2])
    members, _ = torch_zip_members({"w": OutOfBoundsView()})
    zip_with(members, "hostile/view_out_of_bounds.pt")
    write("hostile/not_weights.bin", b"hello, this is not a weight file at all\n")

    for folder, shard in (("index_dotdot", "../x.safetensors"), ("index_absolute", "/etc/passwd")):
        with open(path("hostile", folder, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {}, "weight_map": {"w": shard}}, f)
    write("hostile/x.safetensors", safetensors_bytes({"w": torch.zeros(2)}))


def main():
    sd = make_state_dict()
    write_good(sd)
    write_hostile_safetensors(sd)
    write_hostile_pickles()
    write_hostile_containers(sd)


if __name__ == "__main__":
    main()
