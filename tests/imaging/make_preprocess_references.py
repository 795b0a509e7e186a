#!/usr/bin/python3
"""Fixtures for the core/imaging tests, computed with the Python tools users compare against.

Writes into OUTDIR (the build tree; nothing here is committed):
  images/   generated test images (gradients + noise + edges) in every supported format, EXIF-rotated
            JPEGs, RGBA / 16-bit / palette PNGs, Fashion-MNIST digits from the Debian package, and
            broken files (truncated, not an image, decompression-bomb headers).
  models/   pretrained folders whose preprocessor_config.json / config.json select each recipe.
  refs/     raw little-endian reference arrays (float32 CHW tensors, uint8 HWC images).
  manifest.json   what to compare with what.

References: timm's eval transform is run with torchvision on PIL images (Resize(int) + CenterCrop +
ToTensor + Normalize), exactly as timm.data.transforms_imagenet_eval builds it. transformers is not
installed, so its ConvNext and resize/crop image processors are reimplemented here with PIL + numpy
following their code: PIL resize, (H-h)//2 crop, float64 rescale cast to float32, float32 normalize.
Images are loaded as transformers' load_image does: Image.open, ImageOps.exif_transpose, convert.
"""

import gzip
import io
import json
import math
import os
import struct
import sys
import zlib

import numpy as np
from PIL import Image, ImageOps
from torchvision import transforms
from torchvision.transforms import InterpolationMode

OUT = sys.argv[1]
RNG = np.random.RandomState(20240611)
IMAGENET_MEAN, IMAGENET_STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
CLIP_MEAN, CLIP_STD = [0.48145466, 0.4578275, 0.40821073], [0.26862954, 0.26130258, 0.27577711]
FASHION_MNIST = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"


def path(*parts):
    p = os.path.join(OUT, *parts)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    return p


def write_raw(name, array):
    array.tofile(path("refs", name))
    return "refs/" + name


# ----------------------------------------------------------------------------------------------------
# Images


def photo(width, height, seed):
    """Smooth gradients, fine noise and hard edges: what exposes resampling and offset mistakes."""
    rng = np.random.RandomState(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    r = 255 * x / max(width - 1, 1)
    g = 255 * y / max(height - 1, 1)
    b = 127.5 + 127.5 * np.sin(x / 7.0 + y / 11.0)
    img = np.stack([r, g, b], axis=-1)
    img += rng.normal(0, 18, img.shape)
    # hard-edged shapes: a bright rectangle, a dark disc, a one-pixel checkerboard patch
    img[height // 5: height // 2, width // 6: width // 2] = [250, 240, 20]
    disc = (x - width * 0.7) ** 2 + (y - height * 0.6) ** 2 < (min(width, height) * 0.2) ** 2
    img[disc] = [10, 30, 200]
    patch = (slice(height * 2 // 3, height * 2 // 3 + height // 6), slice(width // 10, width // 10 + width // 6))
    img[patch] = np.where(((x[patch] + y[patch]) % 2 == 0)[..., None], 255.0, 0.0)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def raw_png(width, height, bit_depth, color_type, rows):
    raw = b"".join(b"\x00" + r for r in rows)
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(raw))
            + png_chunk(b"IEND", b""))


def write_bytes(name, data):
    with open(path("images", name), "wb") as f:
        f.write(data)
    return "images/" + name


def save(name, image, **kwargs):
    image.save(path("images", name), **kwargs)
    return "images/" + name


def exif_with_orientation(orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()


def fashion_mnist_digits(count):
    with gzip.open(FASHION_MNIST, "rb") as f:
        magic, n, rows, cols = struct.unpack(">IIII", f.read(16))
        assert magic == 2051 and n >= count
        pixels = np.frombuffer(f.read(count * rows * cols), dtype=np.uint8)
    return pixels.reshape(count, rows, cols)


def make_images():
    images = {}
    for name, (w, h) in {"landscape_640x480": (640, 480), "portrait_333x517": (333, 517),
                         "wide_411x400": (411, 400), "tall_400x411": (400, 411),
                         "odd_small_97x61": (97, 61), "panorama_1200x300": (1200, 300),
                         "crop_edge_227x259": (227, 259)}.items():
        images[name] = save(name + ".png", Image.fromarray(photo(w, h, len(images))))
    base = photo(300, 200, 99)
    images["gray_300x200"] = save("gray_300x200.png", Image.fromarray(base).convert("L"))
    alpha = (np.arange(320 * 240).reshape(240, 320) % 256).astype(np.uint8)
    rgba = np.dstack([photo(320, 240, 7), alpha])
    images["rgba_320x240"] = save("rgba_320x240.png", Image.fromarray(rgba, "RGBA"))
    images["palette_250x190"] = save("palette_250x190.png", Image.fromarray(photo(250, 190, 8)).quantize(64))
    wide16 = photo(200, 150, 11).astype(np.uint16) * 257 + RNG.randint(0, 257, (150, 200, 3)).astype(np.uint16)
    images["rgb16_200x150"] = write_bytes("rgb16_200x150.png", raw_png(
        200, 150, 16, 2, [row.astype(">u2").tobytes() for row in wide16]))
    gray16 = (np.arange(180 * 120).reshape(120, 180) % 400).astype(np.uint16)  # PIL clips >255 to white
    images["gray16_180x120"] = write_bytes("gray16_180x120.png", raw_png(
        180, 120, 16, 0, [row.astype(">u2").tobytes() for row in gray16]))
    jpeg_source = Image.fromarray(photo(300, 200, 12))
    images["jpeg_300x200"] = save("jpeg_300x200.jpg", jpeg_source, quality=92)
    images["jpeg_exif6"] = save("jpeg_exif6.jpg", jpeg_source, quality=92, exif=exif_with_orientation(6))
    images["jpeg_exif8"] = save("jpeg_exif8.jpg", jpeg_source, quality=92, exif=exif_with_orientation(8))
    images["jpeg_exif3"] = save("jpeg_exif3.jpg", jpeg_source, quality=92, exif=exif_with_orientation(3))
    rotated_source = Image.fromarray(photo(150, 110, 17))
    images["png_exif6"] = save("png_exif6.png", rotated_source, exif=exif_with_orientation(6))
    images["webp_exif8"] = save("webp_exif8.webp", rotated_source, lossless=True, exif=exif_with_orientation(8))
    images["tiff_exif5"] = save("tiff_exif5.tiff", rotated_source, tiffinfo={0x0112: 5})
    images["jpeg_gray_260x190"] = save("jpeg_gray_260x190.jpg", Image.fromarray(photo(260, 190, 13)).convert("L"))
    images["webp_280x210"] = save("webp_280x210.webp", Image.fromarray(photo(280, 210, 14)), quality=90)
    images["bmp_250x180"] = save("bmp_250x180.bmp", Image.fromarray(photo(250, 180, 15)))
    images["tiff_210x170"] = save("tiff_210x170.tiff", Image.fromarray(photo(210, 170, 16)),
                                  compression="tiff_lzw")
    for i, digit in enumerate(fashion_mnist_digits(3)):
        images[f"fashion_mnist_{i}"] = save(f"fashion_mnist_{i}.png", Image.fromarray(digit, "L"))
    return images


def load(relative, channels):
    """transformers' load_image: open, exif_transpose, convert."""
    image = Image.open(os.path.join(OUT, relative))
    image = ImageOps.exif_transpose(image)
    return image.convert("L" if channels == 1 else "RGB")


# ----------------------------------------------------------------------------------------------------
# Broken files


def make_broken_files(images):
    broken = []
    with open(os.path.join(OUT, images["jpeg_300x200"]), "rb") as f:
        jpeg = f.read()
    with open(os.path.join(OUT, images["landscape_640x480"]), "rb") as f:
        png = f.read()
    broken.append({"image": write_bytes("truncated.jpg", jpeg[: len(jpeg) // 2]), "kind": "InvalidInput"})
    broken.append({"image": write_bytes("truncated.png", png[: len(png) // 2]), "kind": "InvalidInput"})
    broken.append({"image": write_bytes("not_an_image.jpg", b"This is a text file, not a picture.\n" * 20),
                   "kind": "InvalidInput"})
    broken.append({"image": write_bytes("empty.png", b""), "kind": "InvalidInput"})
    broken.append({"image": write_bytes("header_only.png", png[:40]), "kind": "InvalidInput"})
    # Decompression bombs: headers that promise more pixels than PIL accepts (2 x MAX_IMAGE_PIXELS).
    bomb_png = raw_png(20000, 20000, 8, 0, [b"\x00" * 20000] * 2)  # IDAT far too short: never decoded
    broken.append({"image": write_bytes("bomb_20000x20000.png", bomb_png), "kind": "Unsafe"})
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, 60000, 60000, 1) + b"\x01\x11\x00"
    broken.append({"image": write_bytes("bomb_60000x60000.jpg", b"\xff\xd8" + sof + b"\xff\xd9"), "kind": "Unsafe"})
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\x00" * 4 + (16383).to_bytes(3, "little") * 2
    broken.append({"image": write_bytes("bomb_16384x16384.webp",
                                        b"RIFF" + struct.pack("<I", 4 + len(vp8x)) + b"WEBP" + vp8x),
                   "kind": "Unsafe"})
    for case in broken:  # PIL must refuse every one of them too
        try:
            Image.open(os.path.join(OUT, case["image"])).load()
        except (Image.DecompressionBombError, OSError, SyntaxError, ValueError, struct.error):
            continue
        raise SystemExit(f"PIL unexpectedly loaded {case['image']}")
    return broken


# ----------------------------------------------------------------------------------------------------
# Recipes: the folders the C++ side reads, and the same pipeline run in Python.


def timm_eval(image, size, crop_pct, interpolation, mean, std):
    scale = math.floor(size / crop_pct)
    return transforms.Compose([
        transforms.Resize(scale, interpolation=InterpolationMode(interpolation)),
        transforms.CenterCrop(size), transforms.ToTensor(), transforms.Normalize(mean, std),
    ])(image).numpy()


def hf_resize(array, width, height, resample):
    return np.array(Image.fromarray(array).resize((width, height), resample=resample, reducing_gap=None))


def hf_shortest_edge_size(array, edge):
    height, width = array.shape[:2]
    short, long = (width, height) if width <= height else (height, width)
    new_short, new_long = edge, int(edge * long / short)
    return (new_short, new_long) if width <= height else (new_long, new_short)


def hf_center_crop(array, crop_h, crop_w):
    """transformers.image_transforms.center_crop for channels-last arrays."""
    h, w = array.shape[:2]
    top, left = (h - crop_h) // 2, (w - crop_w) // 2
    if top >= 0 and left >= 0 and top + crop_h <= h and left + crop_w <= w:
        return array[top:top + crop_h, left:left + crop_w]
    new_h, new_w = max(crop_h, h), max(crop_w, w)
    padded = np.zeros((new_h, new_w) + array.shape[2:], dtype=array.dtype)
    top_pad, left_pad = math.ceil((new_h - h) / 2), math.ceil((new_w - w) / 2)
    padded[top_pad:top_pad + h, left_pad:left_pad + w] = array
    top, left = top + top_pad, left + left_pad
    return padded[max(0, top):min(new_h, top + crop_h), max(0, left):min(new_w, left + crop_w)]


def hf_rescale_normalize(array, cfg):
    image = array
    if cfg.get("do_rescale", True):
        image = (image.astype(np.float64) * cfg.get("rescale_factor", 1 / 255)).astype(np.float32)
    if cfg.get("do_normalize", True):
        image = image.astype(np.float32)
        mean = np.array(cfg["image_mean"], dtype=np.float32)
        std = np.array(cfg["image_std"], dtype=np.float32)
        image = (image - mean) / std
    image = image.astype(np.float32)
    return image[None] if image.ndim == 2 else image.transpose(2, 0, 1)


def hf_convnext(image, cfg):
    array = np.array(image)
    edge, crop_pct = cfg["size"]["shortest_edge"], cfg.get("crop_pct") or 224 / 256
    if edge < 384:
        w, h = hf_shortest_edge_size(array, int(edge / crop_pct))
        array = hf_center_crop(hf_resize(array, w, h, cfg["resample"]), edge, edge)
    else:
        array = hf_resize(array, edge, edge, cfg["resample"])
    return hf_rescale_normalize(array, cfg)


def hf_resize_crop(image, cfg):
    array = np.array(image)
    size = cfg["size"]
    if "shortest_edge" in size:
        w, h = hf_shortest_edge_size(array, size["shortest_edge"])
    else:
        w, h = size["width"], size["height"]
    array = hf_resize(array, w, h, cfg["resample"])
    if cfg.get("do_center_crop"):
        array = hf_center_crop(array, cfg["crop_size"]["height"], cfg["crop_size"]["width"])
    return hf_rescale_normalize(array, cfg)


def hf_processor(kind, size, resample, mean, std, **extra):
    cfg = {"image_processor_type": kind, "do_resize": True, "size": size, "resample": resample,
           "do_rescale": True, "rescale_factor": 0.00392156862745098, "do_normalize": True,
           "image_mean": mean, "image_std": std}
    cfg.update(extra)
    return cfg


RECIPES = {
    # name: (files in the model folder, pipeline label, python function, channels, std for level maths)
    "hf_convnext_224": {
        "preprocessor_config.json": hf_processor("ConvNextImageProcessor", {"shortest_edge": 224}, 3,
                                                 IMAGENET_MEAN, IMAGENET_STD, crop_pct=0.875),
        "run": lambda img, cfg: hf_convnext(img, cfg), "pipeline": "transformers"},
    "hf_convnext_384": {
        "preprocessor_config.json": hf_processor("ConvNextImageProcessor", {"shortest_edge": 384}, 2,
                                                 [0.5] * 3, [0.5] * 3, crop_pct=None),
        "run": lambda img, cfg: hf_convnext(img, cfg), "pipeline": "transformers"},
    "hf_vit_exact_224": {
        "preprocessor_config.json": hf_processor("ViTImageProcessor", {"height": 224, "width": 224}, 2,
                                                 [0.5] * 3, [0.5] * 3),
        "run": lambda img, cfg: hf_resize_crop(img, cfg), "pipeline": "transformers"},
    "hf_clip_crop_224": {
        "preprocessor_config.json": hf_processor("CLIPImageProcessor", {"shortest_edge": 224}, 3, CLIP_MEAN,
                                                 CLIP_STD, do_center_crop=True,
                                                 crop_size={"height": 224, "width": 224}),
        "run": lambda img, cfg: hf_resize_crop(img, cfg), "pipeline": "transformers"},
    "timm_resnet50d": {
        "config.json": {"architecture": "resnet50d", "num_classes": 1000, "num_features": 2048,
                        "pretrained_cfg": {"tag": "ra2_in1k", "input_size": [3, 224, 224],
                                           "interpolation": "bicubic", "crop_pct": 0.875,
                                           "crop_mode": "center", "mean": IMAGENET_MEAN,
                                           "std": IMAGENET_STD, "num_classes": 1000}},
        "run": lambda img, cfg: timm_eval(img, 224, 0.875, "bicubic", IMAGENET_MEAN, IMAGENET_STD),
        "pipeline": "timm"},
    "timm_legacy_flat_bilinear": {
        "config.json": {"architecture": "resnet18", "num_classes": 1000, "input_size": [3, 224, 224],
                        "interpolation": "bilinear", "crop_pct": 0.95, "mean": IMAGENET_MEAN,
                        "std": IMAGENET_STD},
        "run": lambda img, cfg: timm_eval(img, 224, 0.95, "bilinear", IMAGENET_MEAN, IMAGENET_STD),
        "pipeline": "timm"},
    "defaults": {
        "config.json": {"model_type": "resnet", "block_type": "bottleneck", "layers": [3, 4, 6, 3],
                        "num_classes": 1000, "input_channels": 3},
        "run": lambda img, cfg: timm_eval(img, 224, 0.875, "bicubic", IMAGENET_MEAN, IMAGENET_STD),
        "pipeline": "timm"},
    "gray_timm_bilinear": {
        "config.json": {"model_type": "resnet", "input_channels": 1,
                        "pretrained_cfg": {"input_size": [1, 224, 224], "interpolation": "bilinear",
                                           "crop_pct": 0.875, "mean": [0.2860], "std": [0.3530]}},
        "run": lambda img, cfg: timm_eval(img, 224, 0.875, "bilinear", [0.2860], [0.3530]),
        "pipeline": "timm", "channels": 1},
}

# Which images each recipe runs on: every image under timm's recipe; under the others, the images that
# exercise them (odd sizes, (H - 224) % 4 == 3 after resizing, upscaling). Each reference is a full
# float32 tensor, so the fixtures stay around 30 MB in the build tree.
IMAGES_FOR = {
    "timm_resnet50d": None,  # all
    "hf_convnext_224": ["landscape_640x480", "portrait_333x517", "wide_411x400", "tall_400x411",
                        "odd_small_97x61", "panorama_1200x300", "gray_300x200", "jpeg_exif8",
                        "fashion_mnist_1"],
    "gray_timm_bilinear": ["fashion_mnist_0", "gray_300x200", "jpeg_exif6", "rgb16_200x150"],
}
DEFAULT_IMAGES = ["wide_411x400", "portrait_333x517", "odd_small_97x61"]


def make_models():
    for name, recipe in RECIPES.items():
        for file in ("preprocessor_config.json", "config.json"):
            if file in recipe:
                with open(path("models", name, file), "w") as f:
                    json.dump(recipe[file], f, indent=2, sort_keys=file == "preprocessor_config.json")


def recipe_std(recipe):
    if "preprocessor_config.json" in recipe:
        return recipe["preprocessor_config.json"]["image_std"]
    cfg = recipe["config.json"]
    return cfg.get("pretrained_cfg", cfg).get("std", IMAGENET_STD)


def preprocess_cases(images):
    cases = []
    for name, recipe in RECIPES.items():
        channels = recipe.get("channels", 3)
        cfg = recipe.get("preprocessor_config.json")
        chosen = IMAGES_FOR.get(name, DEFAULT_IMAGES)
        for image_name in (images if chosen is None else chosen):
            tensor = np.ascontiguousarray(recipe["run"](load(images[image_name], channels), cfg), dtype="<f4")
            cases.append({"name": f"{name}/{image_name}", "model": "models/" + name,
                          "image": images[image_name], "pipeline": recipe["pipeline"],
                          "shape": list(tensor.shape), "std": recipe_std(recipe),
                          "tensor": write_raw(f"{name}__{image_name}.f32", tensor)})
    return cases


def decode_cases(images):
    """What PIL gives after exif_transpose + convert, per image: the C++ decoder must match it."""
    cases = []
    for image_name, relative in images.items():
        for channels in (3, 1):
            pixels = np.ascontiguousarray(np.array(load(relative, channels)), dtype=np.uint8)
            cases.append({"name": f"{image_name}/{channels}", "image": relative, "channels": channels,
                          "width": pixels.shape[1], "height": pixels.shape[0],
                          "pixels": write_raw(f"decoded__{image_name}_{channels}.u8", pixels)})
    return cases


def resample_cases():
    """Pillow's resize alone: down, up, one axis only, mixed, on RGB and L sources."""
    sources = {"rgb_173x131": Image.fromarray(photo(173, 131, 21)),
               "gray_173x131": Image.fromarray(photo(173, 131, 22)).convert("L")}
    targets = [(61, 47), (100, 80), (300, 257), (173, 90), (90, 131), (400, 60), (17, 13), (1, 1)]
    filters = {"nearest": 0, "lanczos": 1, "bilinear": 2, "bicubic": 3, "box": 4, "hamming": 5}
    cases = []
    for source_name, source in sources.items():
        relative = save(f"resample_{source_name}.png", source)
        for (w, h) in targets:
            for filter_name, code in filters.items():
                out = np.ascontiguousarray(np.array(source.resize((w, h), resample=code)), dtype=np.uint8)
                cases.append({"name": f"{source_name}->{w}x{h}/{filter_name}", "image": relative,
                              "filter": code, "width": w, "height": h,
                              "pixels": write_raw(f"resample__{source_name}_{w}x{h}_{filter_name}.u8", out)})
    return cases


def main():
    images = make_images()
    make_models()
    manifest = {"preprocess": preprocess_cases(images), "decode": decode_cases(images),
                "resample": resample_cases(), "broken": make_broken_files(images)}
    with open(path("manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    print(f"{len(manifest['preprocess'])} preprocessing, {len(manifest['decode'])} decoding, "
          f"{len(manifest['resample'])} resampling references and {len(manifest['broken'])} broken files "
          f"written to {OUT}")


if __name__ == "__main__":
    main()
