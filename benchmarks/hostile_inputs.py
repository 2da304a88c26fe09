"""Hostile inputs before and after issue 16: time and peak memory of each attack, side by side.

"Before" runs the library modules as they were before issue 16 (``git show BASE:path``, written
to a temporary folder and imported from there); "after" runs the working tree. Each attack runs in
a fresh process after a warm-up, with the peak-RSS counter reset (tests/unit/test_hostile.py's
harness): seconds and MB above the warm baseline. The bombs are generated here, as in the tests.

Attacks that would take the machine down before are bounded here, and the table says so:
the old scan-bomb decode is timed on a smaller copy (per scan, then scaled to the 600 KB file),
and the old processes run under an address-space limit (--limit-gb), so the 15 GB layer is
refused by the operating system instead of swapping the machine.

    python benchmarks/hostile_inputs.py                 # BASE = the commit before issue 16
    python benchmarks/hostile_inputs.py --base 5ca5c44 --only png23 layer
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.unit import test_hostile as h  # noqa: E402 - the bombs and the harness

BASE = "5ca5c44"  # the last commit before issue 16's changes
OLD_MODULES = {
    "images": "mobilenet_viz/inputs/images.py",
    "weights": "mobilenet_viz/runtime/weights.py",
    "layer_timing": "mobilenet_viz/runtime/layer_timing.py",
}


def run(
    setup: str, attack: str, *args: str, limit_gb: float | None = None, timeout: float = 600
) -> dict:
    if limit_gb:
        setup += f"\nimport resource; resource.setrlimit(resource.RLIMIT_AS, ({int(limit_gb * 2**30)}, -1))"
    try:
        proc = subprocess.run(
            [sys.executable, "-c", h.attack_code(setup, attack), *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {
            "error": f"killed after {timeout:.0f} s",
            "result": None,
            "seconds": timeout,
            "above_mb": None,
        }
    if proc.returncode != 0 or not proc.stdout.strip():
        return {
            "error": f"exit {proc.returncode}: {proc.stderr.strip().splitlines()[-1][:150]}",
            "result": None,
            "seconds": None,
            "above_mb": None,
        }
    return json.loads(proc.stdout.strip().splitlines()[-1])


def images_setup(old: Path | None) -> str:
    module = "old_images" if old else "mobilenet_viz.inputs.images"
    path = f"sys.path.insert(0, {str(old)!r})\n" if old else ""
    return (
        f"{path}import {module} as images\nfrom mobilenet_viz.inputs.samples import get_sample\n"
        "images.decode_image(get_sample('cat.jpg').read_bytes())\ndata = open(sys.argv[1], 'rb').read()\n"
    )


def kw(old: Path | None) -> str:
    return "" if old else ", max_side=1024"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default=BASE)
    parser.add_argument(
        "--limit-gb", type=float, default=8.0, help="address-space limit of the 'before' processes"
    )
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args()
    rows: list[tuple[str, str, dict]] = []
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp_name:
        tmp = Path(tmp_name)
        old = tmp / "old"
        old.mkdir()
        for name, path in OLD_MODULES.items():
            source = subprocess.run(
                ["git", "show", f"{args.base}:{path}"],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            (old / f"old_{name}.py").write_text(source)

        def want(key: str) -> bool:
            return args.only is None or key in args.only

        if want("jpeg"):
            data, scans = h.jpeg_scan_bomb()
            (tmp / "scans.jpg").write_bytes(data)
            small, small_scans = h.jpeg_scan_bomb(repeats=500)
            (tmp / "scans_small.jpg").write_bytes(small)
            before = run(
                images_setup(old),
                "images.decode_image(data).image.size",
                str(tmp / "scans_small.jpg"),
                limit_gb=args.limit_gb,
            )
            if before["seconds"]:
                before["note"] = (
                    f"{small_scans} scans took {before['seconds']:.1f} s: "
                    f"~{before['seconds'] / small_scans * scans:.0f} s for the {len(data) // 1000} KB file"
                )
            after = run(
                images_setup(None),
                "images.decode_image(data, max_side=1024).image.size",
                str(tmp / "scans.jpg"),
            )
            rows += [
                (f"progressive JPEG, {len(data) // 1000} KB, {scans:,} scans", "before", before),
                ("", "after", after),
            ]
        if want("png"):
            (tmp / "deep.png").write_bytes(h.png16_bomb())
            for label, o in (("before", old), ("after", None)):
                rows.append(
                    (
                        "16-bit PNG 8000x5000 (78 KB), one upload" if label == "before" else "",
                        label,
                        run(
                            images_setup(o),
                            f"list(images.decode_image(data{kw(o)}).image.size)",
                            str(tmp / "deep.png"),
                            limit_gb=args.limit_gb if o else None,
                        ),
                    )
                )
        if want("png23"):
            png = tmp / "png23"
            png.mkdir()
            for i in range(23):
                (png / f"deep{i:02}.png").write_bytes(h.png16_bomb())
            old_run = (
                f"sys.path.insert(0, {str(old)!r})\nimport glob, old_images as images\n"
                "paths = sorted(glob.glob(sys.argv[1] + '/*.png'))\n"
                "def attack():\n"
                "    kept = [images.decode_image(open(p, 'rb').read()).image for p in paths]  # as classify kept them\n"
                "    return len(kept)\n"
            )
            rows.append(
                (
                    "23 x that PNG in one Classify run",
                    "before",
                    run(old_run, "attack()", str(png), limit_gb=args.limit_gb),
                )
            )
            rows[-1][2]["note"] = (
                "decode only, images kept as the old classify() kept them (inference excluded)"
            )
            after = run(h.CLASSIFY_SETUP, "attack()", str(png))
            if after["result"]:
                after["note"] = (
                    f"classify(), inference included: {after['result'].count(None)} classified, "
                    f"{len(after['result']) - after['result'].count(None)} refused by the pixel budget"
                )
            rows.append(("", "after", after))
        if want("gif"):
            (tmp / "frames.gif").write_bytes(h.gif_frames_bomb())
            for label, o in (("before", old), ("after", None)):
                rows.append(
                    (
                        "GIF, 400,000 1x1 frames (9.6 MB)" if label == "before" else "",
                        label,
                        run(
                            images_setup(o),
                            "images.decode_image(data).notes",
                            str(tmp / "frames.gif"),
                            limit_gb=args.limit_gb if o else None,
                        ),
                    )
                )
        if want("weights"):
            (tmp / "bomb.pth").write_bytes(h.weights_zip_bomb())
            (tmp / "many.pth").write_bytes(h.weights_many_entries())
            for path, title in (
                (tmp / "bomb.pth", "weights .pth, 1 MB holding a deflated 1 GiB tensor"),
                (tmp / "many.pth", "weights .pth, ZIP listing 20,000 entries"),
            ):
                for label, o in (("before", old), ("after", None)):
                    module = "old_weights" if o else "mobilenet_viz.runtime.weights"
                    setup = (
                        f"sys.path.insert(0, {str(old)!r})\n" if o else ""
                    ) + h.WEIGHTS_SETUP.replace(
                        "from mobilenet_viz.runtime.weights import", f"from {module} import"
                    )
                    rows.append(
                        (
                            title if label == "before" else "",
                            label,
                            run(
                                setup,
                                f"read_state_dict(data, label=\"'{path.name}'\")",
                                str(path),
                                limit_gb=args.limit_gb if o else None,
                            ),
                        )
                    )
        if want("layer"):
            for label, o in (("before", old), ("after", None)):
                module = "old_layer_timing" if o else "mobilenet_viz.runtime.layer_timing"
                setup = (f"sys.path.insert(0, {str(old)!r})\n" if o else "") + (
                    "from mobilenet_viz.analytic.costs import ConvConfig, compare\n"
                    f"from {module} import time_layers\n"
                    f"time_layers(compare(ConvConfig(14, 64, 64, 3)), {'runs=2' if o else 'budget_s=0.2'})\n"
                    "c = compare(ConvConfig(224, 4096, 4096, 15))\n"
                )
                attack = (
                    "time_layers(c, runs=1).input_size"
                    if o
                    else "time_layers(c, budget_s=1.0).input_size"
                )
                rows.append(
                    (
                        "separable 'Measure': M = N = 4096, D_K = 15" if label == "before" else "",
                        label,
                        run(setup, attack, limit_gb=args.limit_gb if o else None),
                    )
                )

    print(
        f"\nbefore = {args.base} (address space limited to {args.limit_gb:g} GB), after = working tree\n"
    )
    print(
        "| attack | code | time (s) | peak above warm baseline (MB) | outcome |\n|---|---|---|---|---|"
    )
    for title, label, r in rows:
        secs = "" if r.get("seconds") is None else f"{r['seconds']:.2f}"
        mb = "" if r.get("above_mb") is None else f"{r['above_mb']:.0f}"
        outcome = (r.get("error") or f"ok: {r.get('result')}")[:140]
        if r.get("note"):
            outcome += f" ({r['note']})"
        print(f"| {title} | {label} | {secs} | {mb} | {outcome} |")


if __name__ == "__main__":
    main()
