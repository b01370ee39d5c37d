#!/usr/bin/env python3
"""Seed corpora for the fuzz targets: copies small files from tests/data, resources/ and
../shared/data and generates binary seeds, into BUILD_DIR/corpus/<target>/.

    fuzz/make_corpus.py BUILD_DIR

Nothing here is committed: the corpora are rebuilt from the source tree (and grow in the
build folder while the fuzzers run). Missing sources (e.g. no ../shared) are skipped.
"""
import base64
import glob
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import zlib

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(SRC), "shared", "data")
MAX_SEED = 64 * 1024  # bigger seeds make every execution slower


def files(*patterns, max_size=MAX_SEED):
    out = []
    for p in patterns:
        for f in sorted(glob.glob(os.path.join(SRC, p) if not p.startswith("/") else p, recursive=True)):
            if os.path.isfile(f) and os.path.getsize(f) <= max_size:
                out.append(f)
    return out


def json_objects(pattern):
    """Every JSON object nested anywhere in the files matching pattern (depth first)."""
    for f in files(pattern):
        try:
            stack = [json.load(open(f))]
        except Exception:
            continue
        while stack:
            v = stack.pop()
            if isinstance(v, dict):
                yield v
                stack.extend(v.values())
            elif isinstance(v, list):
                stack.extend(v)


class Corpus:
    def __init__(self, root, target):
        self.dir = os.path.join(root, "corpus", target)
        os.makedirs(self.dir, exist_ok=True)
        self.count = 0

    def add(self, data, hint="seed"):
        if isinstance(data, str):
            data = data.encode()
        if len(data) > MAX_SEED:
            return
        name = f"{hint}-{hashlib.sha1(data).hexdigest()[:12]}"
        with open(os.path.join(self.dir, name), "wb") as f:
            f.write(data)
        self.count += 1

    def add_file(self, path):
        with open(path, "rb") as f:
            self.add(f.read(), os.path.basename(path).replace(".", "_"))


def strip_image_data(path):
    """A labelme file without its embedded image (the shapes are what matter)."""
    try:
        j = json.load(open(path))
    except Exception:
        return None
    if isinstance(j, dict) and j.get("imageData"):
        j["imageData"] = None
    return json.dumps(j)


def png_bytes(width, height, channels, depth, pixels):
    color = {1: 0, 3: 2, 4: 6}[channels]
    raw = b"".join(b"\x00" + pixels[y * width * channels * (depth // 8):(y + 1) * width * channels * (depth // 8)]
                   for y in range(height))

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def exif_tiff(orientation, big_endian=False):
    if big_endian:
        return b"MM\x00\x2a" + struct.pack(">I", 8) + struct.pack(">H", 1) + \
            struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack(">I", 0)
    return b"II\x2a\x00" + struct.pack("<I", 8) + struct.pack("<H", 1) + \
        struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack("<I", 0)


def jpeg_with_exif(jpeg, orientation):
    app1 = b"Exif\x00\x00" + exif_tiff(orientation)
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + jpeg[2:]


def magick(args, suffix):
    exe = shutil.which("convert")
    if not exe:
        return None
    out = os.path.join("/tmp", f"ld-fuzz-seed-{os.getpid()}{suffix}")
    try:
        subprocess.run([exe] + args + [out], check=True, capture_output=True, timeout=30)
        return open(out, "rb").read()
    except Exception:
        return None
    finally:
        if os.path.exists(out):
            os.remove(out)


def safetensors_seed(path, max_tensors=48):
    """A small valid .safetensors file with the names, dtypes and ranks of a real one: small
    files as they are, large ones with every dimension cut to 1 (data rebuilt to match)."""
    try:
        with open(path, "rb") as f:
            n = struct.unpack("<Q", f.read(8))[0]
            if os.path.getsize(path) <= MAX_SEED:
                f.seek(0)
                return f.read()
            header = json.loads(f.read(n))
    except Exception:
        return None
    sizes = {"F32": 4, "F16": 2, "BF16": 2, "I64": 8}
    out, data = {}, b""
    if "__metadata__" in header:
        out["__metadata__"] = header.pop("__metadata__")
    for name, e in list(header.items())[:max_tensors]:
        if not isinstance(e, dict) or e.get("dtype") not in sizes:
            continue
        raw = bytes(sizes[e["dtype"]])
        out[name] = {"dtype": e["dtype"], "shape": [1] * len(e.get("shape", [])),
                     "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(out, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    root = os.path.abspath(sys.argv[1])
    shared = lambda p: os.path.join(SHARED, p)
    summary = {}

    c = Corpus(root, "coco")
    for f in files("tests/data/coco/*.json", shared("labelme-examples/labelme2coco_annotations.json"),
                   shared("panoptic-sample/panoptic_coco_detection_format.json")):
        c.add_file(f)
    summary["coco"] = c

    c = Corpus(root, "labelme")
    for f in files("tests/data/labelme/**/*.json", max_size=1 << 30) + \
            files(shared("labelme-examples/data_annotated/*.json"), max_size=1 << 30):
        stripped = strip_image_data(f)
        c.add(stripped if stripped is not None else open(f, "rb").read(), os.path.basename(f))
    # Embedded image instead of a size.
    tiny = png_bytes(3, 2, 3, 8, bytes(range(18)))
    c.add(json.dumps({"version": "5.5.0", "shapes": [{"label": "a", "points": [[0, 0], [2, 0], [2, 1]],
                                                      "shape_type": "polygon", "group_id": None}],
                      "imagePath": "x.png", "imageData": base64.b64encode(tiny).decode()}), "embedded")
    c.add(json.dumps({"version": "5.5.0", "imageHeight": 4, "imageWidth": 4, "imagePath": "x.png",
                      "shapes": [{"label": "m", "points": [[0, 0], [2, 2]], "shape_type": "mask",
                                  "mask": base64.b64encode(png_bytes(2, 2, 1, 8, b"\x01\x00\x01\x01")).decode()},
                                 {"label": "c", "points": [[2, 2], [3, 3]], "shape_type": "circle"},
                                 {"label": "r", "points": [[0, 0], [3, 1]], "shape_type": "rectangle"}]}), "shapes")
    summary["labelme"] = c

    c = Corpus(root, "project")
    for f in files("tests/data/project/*.json"):
        c.add_file(f)
    summary["project"] = c

    c = Corpus(root, "panoptic")
    for f in files("tests/data/panoptic/*.json", "tests/data/narrative/panoptic_*.json",
                   shared("panoptic-sample/panoptic_examples.json")):
        c.add_file(f)
    summary["panoptic"] = c

    c = Corpus(root, "narrative")
    for f in files("tests/data/narrative/png_coco_*.json"):
        c.add_file(f)
    c.add(json.dumps({"narratives": [{"image_id": 1, "caption": "a cat", "segments": [
        {"utterance": "a cat", "segment_ids": [1, "2"], "noun": "cat", "plural": False}]}]}), "object")
    summary["narrative"] = c

    c = Corpus(root, "rle")
    for v in json_objects("tests/data/rle/*.json"):
        size = v.get("size") or [v.get("height"), v.get("width")]
        if "counts" in v and isinstance(size, list) and len(size) == 2 and None not in size:
            h, w = size
            if isinstance(v["counts"], str):
                c.add(struct.pack("<HHB", h & 0xFFFF, w & 0xFFFF, 0) + v["counts"].encode(), "string")
            elif isinstance(v["counts"], list):
                c.add(struct.pack("<HHB", h & 0xFFFF, w & 0xFFFF, 1) +
                      b"".join(struct.pack("<i", int(n)) for n in v["counts"]), "list")
    c.add(struct.pack("<HHB", 3, 3, 1) + struct.pack("<iii", 2, 3, 4), "list")
    c.add(struct.pack("<HHB", 4, 5, 0) + b"3207", "string")
    summary["rle"] = c

    c = Corpus(root, "polygon")
    for v in json_objects("tests/data/polygon/*.json"):
        shape = v.get("segmentation", v.get("polygons"))
        if shape is not None:
            h, w = int(v.get("height", 64)), int(v.get("width", 64))
            c.add(bytes([(h - 1) & 0xFF, (w - 1) & 0xFF]) + json.dumps(shape).encode(), "json")
            if isinstance(shape, list):
                flat = [x for p in shape if isinstance(p, list) for x in p]
                c.add(bytes([(h - 1) & 0xFF, (w - 1) & 0xFF, len(shape) - 1]) +
                      b"".join(struct.pack("<d", float(x)) for x in flat), "raw")
    c.add(bytes([31, 31]) + b"[[1,1,20,2,25,28,3,20]]", "json")
    c.add(bytes([31, 31]) + b'{"size":[32,32],"counts":"0`0"}', "json")
    c.add(bytes([15, 15, 0]) + struct.pack("<8d", 1, 1, 12, 1.5, 13.2, 14, 0.5, 9), "raw")
    c.add(bytes([15, 15, 1]) + struct.pack("<12d", 1, 1, 6, 1, 6, 6, 8, 8, 14, 8, 14, 14), "raw")
    summary["polygon"] = c

    img = Corpus(root, "image")
    png = Corpus(root, "png")
    for f in files("tests/data/**/*.png", shared("panoptic-sample/panoptic_examples/*.png"),
                   shared("panoptic-sample/panoptic_examples_2ch_format/*.png"),
                   shared("membranes/label/*.png")):
        png.add_file(f)
        img.add_file(f)
    for w, h, ch, depth in [(3, 2, 1, 8), (3, 2, 3, 8), (2, 2, 4, 8), (3, 2, 1, 16)]:
        n = w * h * ch * depth // 8
        png.add(png_bytes(w, h, ch, depth, bytes((i * 37) % 256 for i in range(n))), f"gen{ch}x{depth}")
    jpegs = files("resources/samples/*.jpg", max_size=1 << 20)
    if jpegs:
        jpeg = open(jpegs[0], "rb").read()
        img.add(jpeg[:4096], "jpeg_head")
        img.add(jpeg_with_exif(jpeg[:4096], 6), "jpeg_exif6_head")
    for args, suffix in [(["-size", "5x3", "xc:red"], ".jpg"), (["-size", "5x3", "xc:red"], ".tif"),
                         (["-size", "5x3", "xc:red"], ".bmp"), (["-size", "5x3", "xc:red"], ".webp"),
                         (["-size", "5x3", "gradient:", "-depth", "16"], ".png")]:
        data = magick(args, suffix)
        if data:
            img.add(data, "gen" + suffix[1:])
            if suffix == ".jpg":
                img.add(jpeg_with_exif(data, 8), "gen_exif8")
                img.add(data[:-2], "gen_truncated")
    img.add(exif_tiff(6), "tiff_exif")
    img.add(exif_tiff(3, True), "tiff_exif_mm")
    img.add(b"Exif\x00\x00" + exif_tiff(5), "exif_block")
    summary["image"] = img
    summary["png"] = png

    c = Corpus(root, "base64")
    for s in [b"", b"Zg==", b"Zm8=", b"Zm9v", b"Zm9vYg==\n", b"  Zm9v YmFy  ", base64.b64encode(tiny)]:
        c.add(s, "b64")
    summary["base64"] = c

    c = Corpus(root, "json")
    for f in files("tests/data/**/*.json", "resources/models/**/*.json", max_size=16 * 1024):
        c.add_file(f)
    for s in ['[]', '{}', '{"a":[1,2.5e3,-0,true,null,"\\u00e9\\ud83d\\ude00"]}', '[[[[[[]]]]]]', '"x"', '1e308']:
        c.add(s, "tiny")
    summary["json"] = c

    c = Corpus(root, "safetensors")
    models = [os.path.join(SRC, "tests/data/safetensors/mixed_dtypes.safetensors")]
    models += files("resources/models/**/*.safetensors", os.path.join(os.path.dirname(SHARED), "models/**/*.safetensors"),
                    max_size=1 << 40)
    for f in models:
        seed = safetensors_seed(f)
        if seed:
            c.add(seed, os.path.basename(os.path.dirname(f)) or "st")
    summary["safetensors"] = c

    c = Corpus(root, "tokenizer")
    for s in ["a photo of a cat", "Two DOGS, playing in the   snow!", "caf\u00e9 na\u00efve \u00e4\u00f6\u00fc 123 's 've",
              "\u732b\u3068\u72ac \U0001F600 <|endoftext|>", "window, door; balcony's railing", ""]:
        c.add(s.encode("utf-8"), "prompt")
    vocab = {ch: i for i, ch in enumerate("abcdefghijklmnopqrstuvwxyz")}
    vocab.update({ch + "</w>": 26 + i for i, ch in enumerate("abcdefghijklmnopqrstuvwxyz")})
    vocab.update({"ca": 52, "cat</w>": 53, "<|startoftext|>": 54, "<|endoftext|>": 55})
    c.add(json.dumps(vocab).encode() + b"\x00#version: 0.2\nc a\nca t</w>\n", "vocab")
    summary["tokenizer"] = c

    for name, corpus in summary.items():
        print(f"{name:10s} {corpus.count:4d} seeds  {corpus.dir}")


if __name__ == "__main__":
    main()
