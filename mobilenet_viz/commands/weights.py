"""`weights {where,download,check PATH}`: where the app looks for MobileNetV2 weights, fetch
torchvision's file into the torch hub cache, validate a state_dict file."""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path


def add_parser(subparsers):
    p = subparsers.add_parser("weights", help="find, download or check MobileNetV2 weights")
    actions = p.add_subparsers(dest="action", required=True, parser_class=type(p))
    actions.add_parser("where", help="the places searched, in order, and what is there")
    download = actions.add_parser(
        "download", help="fetch torchvision's weights into the torch hub cache"
    )
    download.add_argument(
        "--name", choices=("IMAGENET1K_V2", "IMAGENET1K_V1"), default="IMAGENET1K_V2"
    )
    check = actions.add_parser("check", help="validate a state_dict file (exit 1 if unusable)")
    check.add_argument("path", metavar="PATH")
    for sub in (actions.choices["where"], download, check):
        sub.add_argument(
            "--model",
            choices=("v2", "v3-large"),
            default="v2",
            help="v2 = MobileNetV2 (default); v3-large = MobileNetV3-Large (the MobileNetV3 page)",
        )
        # SUPPRESS: `weights --json where` (the parent's flag) must not be reset by this default
        sub.add_argument(
            "--json", action="store_true", default=argparse.SUPPRESS, help="print one JSON object"
        )
    return p


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def run(args) -> tuple[dict, int]:
    from mobilenet_viz.runtime import weights as w

    arch = w.ARCHS[getattr(args, "model", "v2")]
    if args.action == "where":
        return {
            "order": ["env", "cache", "download", "untrained"],
            "locations": w.search_locations(arch),
            "env_var": arch.env,
            "hub_checkpoints": str(w.hub_checkpoint_dir()),
            "download_url": w.download_url(arch.names[0], arch),
            "offline": w.offline_requested(),
            "model": arch.key,
        }, 0
    if args.action == "download":
        try:
            path = w.download(args.name, progress=True, arch=arch)
        except OSError as exc:
            raise ValueError(
                f"could not download {w.download_url(args.name, arch)} ({exc}); on a connected machine run this "
                f"command there and copy {w.cached_path(args.name, arch).name} into {w.hub_checkpoint_dir()}"
            ) from None
        return {
            "name": args.name,
            "path": str(path),
            "bytes": path.stat().st_size,
            "sha256": _sha256(path),
        }, 0
    path = Path(args.path)
    result: dict = {"path": str(path), "ok": False, "error": None, "model": arch.key}
    try:
        loaded = w.load_file(path, arch=arch)
    except w.WeightsError as exc:
        result["error"] = str(exc)
        return result, 1
    result.update(
        ok=True,
        tensors=len(loaded.model.state_dict()),
        params=sum(p.numel() for p in loaded.model.parameters()),
        bytes=path.stat().st_size,
        sha256=_sha256(path),
    )
    return result, 0


def _title(model: str) -> str:
    return {"v2": "MobileNetV2", "v3-large": "MobileNetV3-Large"}.get(model, model)


def render(result: dict) -> str:
    if "locations" in result:
        title = _title(result.get("model", "v2"))
        lines = [f"{title} weights are looked for in this order:"]
        for i, loc in enumerate(result["locations"], 1):
            state = {True: "found", False: "not found", None: "needs internet"}[loc["exists"]]
            lines.append(
                f"  {i}. {loc['step']:<9}{loc['what']:<22}{loc['path'] or '(not set)'}  [{state}]"
            )
        lines.append("  then: a seeded untrained model (predictions meaningless, timings real)")
        return "\n".join(lines)
    if "sha256" in result and "name" in result:
        return f"downloaded {result['name']} to {result['path']} ({result['bytes']:,} bytes, sha256 {result['sha256']})"
    if result.get("ok"):
        return (
            f"OK: {result['path']} is a {_title(result.get('model', 'v2'))} state_dict ({result['tensors']} tensors, "
            f"{result['params']:,} parameters, sha256 {result['sha256']})"
        )
    return f"NOT USABLE: {result['error']}"
