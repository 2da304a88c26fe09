"""`classify`: run MobileNetV2 on image files with per-step timing (DESIGN.md's JSON contract).

Weights resolve as in :mod:`mobilenet_viz.runtime.weights` (``--weights`` first). A bad image gets an
"error" and the others still run; the exit status is 0 only if every image was classified (1
otherwise, 2 for user errors such as an unusable ``--weights`` file).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def _count(lo: int, hi: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"must be between {lo} and {hi}, got {value}")
        return value

    return parse


# Copies of the library's constants, so building the CLI parser never imports torch (`conv` stays
# fast); tests/unit/test_cli_classify.py checks they equal runtime.engines / .timing / .weights.
ENGINES = ("eager", "optimized", "onnx", "int8")
PREPROCESSINGS = ("IMAGENET1K_V1", "IMAGENET1K_V2")
MAX_RUNS = 1000


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("classify", help="classify images with MobileNetV2, with timing")
    p.add_argument("images", nargs="+", metavar="IMAGE", help="JPEG, PNG, WebP, BMP or GIF files")
    p.add_argument("--weights", default=None, help="a MobileNetV2 state_dict file (.pth)")
    p.add_argument(
        "--preprocessing",
        choices=PREPROCESSINGS,
        default=None,
        help="which torchvision transforms a --weights / $MOBILENET_VIZ_WEIGHTS file expects "
        "(default $MOBILENET_VIZ_PREPROCESSING, else V1)",
    )
    p.add_argument(
        "--engine",
        choices=ENGINES,
        default=None,
        help="default: onnx if onnxruntime imports, else optimized; int8 = "
        "ONNX Runtime on the statically quantized model (quantized once, a few seconds)",
    )
    p.add_argument(
        "--top", type=_count(1, 1000), default=5, help="how many classes to list (default 5)"
    )
    p.add_argument(
        "--runs",
        type=_count(1, MAX_RUNS),
        default=10,
        help="timed inference runs per image (default 10)",
    )
    p.add_argument(
        "--warmup",
        type=_count(0, MAX_RUNS),
        default=2,
        help="untimed warm-up runs per image (default 2)",
    )
    return p


def _read(path: str) -> bytes | str:
    """The file's bytes, or an error string naming the problem."""
    p = Path(path)
    if not p.exists():
        return "file not found"
    if p.is_dir():
        return "is a folder, not an image file"
    try:
        return p.read_bytes()
    except OSError as exc:
        return f"cannot read the file ({exc.strerror or exc})"


def run(args) -> tuple[dict, int]:
    from mobilenet_viz.runtime.classify import classify
    from mobilenet_viz.runtime.engines import EngineSet
    from mobilenet_viz.runtime.weights import load_mobilenet_v2, preprocessing_default

    loaded = load_mobilenet_v2(
        args.weights, preprocessing=args.preprocessing or preprocessing_default()
    )
    if loaded.message:
        sys.stderr.write(f"warning: {loaded.message}\n")
    engines = EngineSet(loaded)
    read = [(name, _read(name)) for name in args.images]
    items = [(name, data) for name, data in read if isinstance(data, bytes)]
    report = classify(
        loaded, engines, items, engine=args.engine, top=args.top, runs=args.runs, warmup=args.warmup
    )
    if report.engine_note:
        sys.stderr.write(f"warning: {report.engine_note}\n")
    if report.engine == "int8" and not loaded.pretrained:
        sys.stderr.write(
            "warning: the int8 model is quantized from the untrained weights: its predictions are meaningless too\n"
        )
    classified = iter(report.results)  # same order as `items`
    results = [
        next(classified).as_dict()
        if isinstance(data, bytes)
        else {"image": name, "top": None, "error": data}
        for name, data in read
    ]
    result = {
        "weights": {"source": loaded.source, "name": loaded.name, "pretrained": loaded.pretrained},
        "engine": report.engine,
        "results": results,
        "timing_ms": report.timing_ms,
        "threads": report.threads,
        "device": report.device,
        "runs": report.runs,
    }
    ok = all(r["error"] is None for r in results)
    return result, 0 if ok else 1


def render(result: dict) -> str:
    w = result["weights"]
    lines = [
        f"weights: {w['name']} ({w['source']}{'' if w['pretrained'] else ', UNTRAINED'})",
        f"engine: {result['engine']} on {result['device']}, {result['threads']} threads",
    ]
    for r in result["results"]:
        lines.append(f"\n{os.path.basename(r['image'])}")
        if r["error"]:
            lines.append(f"  error: {r['error']}")
            continue
        for p in r["top"]:
            lines.append(f"  {p['prob'] * 100:6.2f}%  {p['label']}  (class {p['index']})")
    t = result["timing_ms"]

    def ms(key: str) -> str:
        return "n/a" if t.get(key) is None else f"{t[key]:.2f} ms"

    lines.append(
        f"\ntiming per image: decode {ms('decode')}, preprocess {ms('preprocess')}, inference median "
        f"{ms('inference_median')} (p90 {ms('inference_p90')}, {result['runs']} runs), postprocess {ms('postprocess')}"
    )
    return "\n".join(lines)
