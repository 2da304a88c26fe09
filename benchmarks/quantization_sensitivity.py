"""Which part of MobileNetV2 should stay in float? Quantize everything but one block at a time.

    python benchmarks/quantization_sensitivity.py --weights PATH [--photos DIR]

For each of MobileNetV2's 19 feature blocks (``features.0`` .. ``features.18``) and the classifier,
the model is quantized exactly like the app's int8 engine (``mobilenet_viz.runtime.quantization.quantize``)
with that part kept in float, and compared with fp32 on the calibration images themselves (the 8
sample photos x 4 views; no held-out photo is used to choose). It prints, per choice, the mean and
max KL divergence from fp32 (nats), the mean |delta probability| and the top-1 agreement. The row
with the lowest mean KL is what ``quantization.KEEP_FLOAT`` keeps in float. ``--photos DIR`` also
prints the top-1 agreement on the .jpg files in DIR (held out; for the record only).
Each row quantizes once (a few seconds each on 2 cores).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mobilenet_viz.inputs.images import decode_image  # noqa: E402
from mobilenet_viz.runtime import quantization as qz  # noqa: E402
from mobilenet_viz.runtime.weights import load_file  # noqa: E402


def run(session, batch: torch.Tensor) -> torch.Tensor:
    return torch.cat(
        [
            torch.from_numpy(session.run(["logits"], {"image": batch[i : i + 1].numpy()})[0])
            for i in range(len(batch))
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", required=True)
    parser.add_argument("--photos", type=Path, default=None)
    args = parser.parse_args()
    torch.set_num_threads(1)
    loaded = load_file(args.weights)
    calibration = qz.calibration_set(loaded)
    held_out = None
    if args.photos:
        held_out = torch.stack(
            [
                loaded.transforms(decode_image(p.read_bytes()).image)
                for p in sorted(args.photos.glob("*.jpg"))
            ]
        )
    with torch.inference_mode():
        ref = loaded.model(calibration)
        ref_held = loaded.model(held_out) if held_out is not None else None
    choices = [("everything int8", ())] + [
        (f"features.{k} float", (f"features.{k}.",)) for k in range(19)
    ]
    choices.append(("classifier float", ("classifier.",)))
    print(
        f"weights {loaded.describe()}; {len(calibration)} calibration images; KL(fp32 || int8) in nats"
    )
    print(
        f"{'kept in float':<20}{'mean KL':>9}{'max KL':>9}{'mean |dp|':>11}{'top-1 =':>9}"
        f"{'  held-out top-1 =' if held_out is not None else ''}{'  quantize s':>13}"
    )
    for title, keep in choices:
        start = time.perf_counter()
        int8 = qz.quantize(loaded, keep_float=keep, calibration=calibration)
        seconds = time.perf_counter() - start
        session = int8.session(1)
        result = qz.agreement(ref, run(session, calibration))
        line = (
            f"{title:<20}{result.mean_kl:>9.4f}{max(result.kl):>9.4f}{result.mean_abs_prob_diff:>11.2e}"
            f"{sum(result.top1_equal):>6}/{len(calibration)}"
        )
        if held_out is not None:
            held = qz.agreement(ref_held, run(session, held_out))
            line += f"{sum(held.top1_equal):>15}/{len(held_out)}"
        print(line + f"{seconds:>13.1f}", flush=True)


if __name__ == "__main__":
    main()
