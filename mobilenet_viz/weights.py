"""Finding, validating, downloading and loading MobileNetV2 weights (with an offline fallback).

torchvision's weights API is the source of truth: ``MobileNet_V2_Weights.IMAGENET1K_V1`` /
``IMAGENET1K_V2`` give the download URL, the preprocessing (``.transforms()``: resize, centre
crop 224, ImageNet mean/std) and the 1000 labels (``.meta["categories"]``). Nothing is
hand-written here. The architecture is Sandler et al., "MobileNetV2", arXiv:1801.04381, Table 2
(torchvision ``mobilenet_v2``, width 1.0, 224x224 input, 1000 classes).

Resolution order of :func:`load_mobilenet_v2` (the first that works wins):

1. a state_dict file: the ``path`` argument (CLI ``--weights`` or a sidebar upload) or the
   ``MOBILENET_VIZ_WEIGHTS`` environment variable; ``preprocessing`` chooses which torchvision
   transforms apply to it (default ``IMAGENET1K_V1``: resize 256, crop 224);
2. torchvision's own file in the torch hub cache (``$TORCH_HOME/hub/checkpoints``), V2 then V1;
3. a download through torch's hub downloader (progress bar on stderr), unless
   ``allow_download=False`` or ``MOBILENET_VIZ_OFFLINE=1``. ``MOBILENET_VIZ_DOWNLOAD_BASE``
   replaces ``https://download.pytorch.org/models/`` (a mirror; the file's hash is still checked);
4. a seeded untrained model, labelled :data:`UNTRAINED_LABEL`, with ``message`` saying what
   failed and how to fix it. An explicit ``path`` that is invalid raises :class:`WeightsError`.

Every file is read with ``torch.load(..., weights_only=True)``; anything that is not a mapping
of tensors with exactly MobileNetV2's names and shapes is rejected with a message that says what
was expected. Other pages use :func:`load_mobilenet_v2` through ``ui.model.get_model()`` and must
treat ``LoadedModel.model`` as read-only (it is shared by every session of the process).
"""

from __future__ import annotations

import functools
import io
import os
import pickle
import socket
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import torch
from torchvision.models import MobileNet_V2_Weights, mobilenet_v2

ENV_WEIGHTS = "MOBILENET_VIZ_WEIGHTS"
ENV_OFFLINE = "MOBILENET_VIZ_OFFLINE"
ENV_DOWNLOAD_BASE = "MOBILENET_VIZ_DOWNLOAD_BASE"
DEFAULT_PRETRAINED = "IMAGENET1K_V2"
PREPROCESSINGS = ("IMAGENET1K_V1", "IMAGENET1K_V2")
UNTRAINED_LABEL = "untrained: predictions are meaningless, timings are real"
UNTRAINED_SEED = 0
NUM_CLASSES = 1000
PROBE_TIMEOUT_S = 5.0


class WeightsError(ValueError):
    """A weights file that cannot be used; the message says why and what was expected."""


@dataclass(frozen=True, eq=False)
class LoadedModel:
    """A ready MobileNetV2 and where it came from. Shared across sessions: never mutate it."""

    model: torch.nn.Module = field(repr=False)  # torchvision mobilenet_v2, eval, no grad
    source: str  # "env", "file", "upload", "cache", "download", "untrained"
    name: str  # "IMAGENET1K_V2", or the file name
    pretrained: bool
    categories: list[str] = field(repr=False)  # torchvision weights meta["categories"]
    transforms: Callable = field(repr=False)  # torchvision weights .transforms()
    message: str | None = None  # banner text when something failed / a fallback is in use
    preprocessing: str = "IMAGENET1K_V1"  # which torchvision weights' transforms apply

    def describe(self) -> str:
        """One line for people: 'IMAGENET1K_V2 (torch hub cache)'."""
        where = {
            "env": f"${ENV_WEIGHTS}", "file": "file", "upload": "uploaded file",
            "cache": "torch hub cache", "download": "downloaded", "untrained": UNTRAINED_LABEL,
        }[self.source]
        return f"{self.name} ({where})"


def offline_requested() -> bool:
    """True when ``$MOBILENET_VIZ_OFFLINE`` asks for no downloads (1/true/yes/on, any case).

    The one reading of the variable: the loader and ``weights where`` must agree ("off" and "0"
    mean downloads are allowed)."""
    return os.environ.get(ENV_OFFLINE, "").strip().lower() in ("1", "true", "yes", "on")


def _weights_enum(name: str) -> MobileNet_V2_Weights:
    if name not in PREPROCESSINGS:
        raise WeightsError(f"unknown preprocessing '{name}'; choose one of {', '.join(PREPROCESSINGS)}")
    return MobileNet_V2_Weights[name]


def _file_name(name: str) -> str:
    return Path(urlparse(_weights_enum(name).url).path).name


def hub_checkpoint_dir() -> Path:
    """Where torchvision keeps downloaded weights: ``torch.hub.get_dir()/checkpoints``."""
    return Path(torch.hub.get_dir()) / "checkpoints"


def download_url(name: str = DEFAULT_PRETRAINED) -> str:
    """torchvision's URL for ``name``, or the same file name under ``$MOBILENET_VIZ_DOWNLOAD_BASE``."""
    base = os.environ.get(ENV_DOWNLOAD_BASE)
    if base:
        return base.rstrip("/") + "/" + _file_name(name)
    return _weights_enum(name).url


def cached_path(name: str = DEFAULT_PRETRAINED) -> Path:
    """Where torchvision's file for ``name`` lives in the hub cache (whether present or not)."""
    return hub_checkpoint_dir() / _file_name(name)


def search_locations() -> list[dict[str, object]]:
    """Every place the app looks for weights, in order, and whether something is there."""
    rows: list[dict[str, object]] = []
    env = os.environ.get(ENV_WEIGHTS)
    rows.append({"step": "env", "what": f"${ENV_WEIGHTS}", "path": env, "exists": bool(env) and Path(env).is_file()})
    for name in (DEFAULT_PRETRAINED, "IMAGENET1K_V1"):
        path = cached_path(name)
        rows.append({"step": "cache", "what": name, "path": str(path), "exists": path.is_file()})
    rows.append({"step": "download", "what": DEFAULT_PRETRAINED, "path": download_url(), "exists": None})
    return rows


def _new_model() -> torch.nn.Module:
    return mobilenet_v2(weights=None, num_classes=NUM_CLASSES)


@functools.lru_cache(maxsize=1)
def _expected_tensors() -> dict[str, torch.Tensor]:
    """torchvision MobileNetV2's state_dict layout (names, shapes, dtypes), on the meta device."""
    with torch.device("meta"):
        return dict(_new_model().state_dict())


def _is_torchscript(data: bytes) -> bool:
    if not data.startswith(b"PK"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    return any(n.endswith("constants.pkl") or "/code/" in n for n in names)


def read_state_dict(data: bytes, *, label: str = "the file") -> dict[str, torch.Tensor]:
    """Bytes of a ``torch.save(model.state_dict())`` file -> the state_dict, validated.

    Uses ``torch.load(weights_only=True)``, so no pickled code ever runs. Raises
    :class:`WeightsError` naming ``label`` for: empty/truncated/corrupt files, pickled objects
    other than tensors, TorchScript archives, non-mappings, and non-MobileNetV2 tensors.
    A ``{"state_dict": {...}}`` / ``{"model": {...}}`` wrapper and a ``module.`` prefix
    (DataParallel) are accepted.
    """
    if not data:
        raise WeightsError(f"{label} is empty")
    if _is_torchscript(data):
        raise WeightsError(
            f"{label} is a TorchScript archive (a compiled program), not a state_dict; "
            "save one with torch.save(model.state_dict(), path)"
        )
    try:
        obj = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        text = str(exc).lower()
        if "global" in text:
            raise WeightsError(
                f"{label} was refused: it contains pickled Python objects other than tensors "
                "(it could run code); only a plain state_dict saved with "
                "torch.save(model.state_dict(), path) is accepted"
            ) from None
        if data[:1] == b"\x80":  # a raw pickle (protocol 2+), not torch.save's format
            raise WeightsError(
                f"{label} was refused: it is a raw Python pickle, not a state_dict saved with torch.save"
            ) from None
        raise WeightsError(f"{label} is not a PyTorch weights file (corrupt or not a .pth)") from None
    except Exception as exc:  # noqa: BLE001 - torch.load raises many types for broken bytes
        text = str(exc).lower()
        if isinstance(exc, EOFError) or "central directory" in text or "truncat" in text:
            raise WeightsError(f"{label} is truncated or corrupt (it ends early); download it again") from None
        raise WeightsError(f"{label} is not a PyTorch weights file (corrupt or not a .pth)") from None
    return check_state_dict(obj, label=label)


def check_state_dict(obj: object, *, label: str = "the file") -> dict[str, torch.Tensor]:
    """Validate that ``obj`` is a mapping of tensors with torchvision MobileNetV2's keys and shapes."""
    if isinstance(obj, Mapping):
        for wrapper in ("state_dict", "model"):
            if set(obj) == {wrapper} or (wrapper in obj and isinstance(obj[wrapper], Mapping)
                                          and all(isinstance(v, torch.Tensor) for v in obj[wrapper].values())):
                obj = obj[wrapper]
                break
    if not isinstance(obj, Mapping):
        raise WeightsError(
            f"{label} holds a {type(obj).__name__}, not a state_dict (a mapping of parameter names to tensors)"
        )
    bad = [str(k) for k, v in obj.items() if not isinstance(k, str) or not isinstance(v, torch.Tensor)]
    if bad:
        raise WeightsError(
            f"{label} is not a mapping of tensors: {len(bad)} entries are not tensors (e.g. '{bad[0]}')"
        )
    state = {k.removeprefix("module."): v for k, v in obj.items()}
    expected = _expected_tensors()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"{len(missing)} missing (e.g. '{missing[0]}')")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected (e.g. '{unexpected[0]}')")
        raise WeightsError(
            f"{label} does not match torchvision's MobileNetV2 (width 1.0, {NUM_CLASSES} classes): "
            f"{len(expected)} tensors expected; " + ", ".join(parts)
        )
    for key, ref in expected.items():
        got = state[key]
        if tuple(got.shape) != tuple(ref.shape):
            hint = ""
            if key.startswith("classifier"):
                hint = f" (this app needs the {NUM_CLASSES}-class ImageNet head)"
            raise WeightsError(
                f"{label} does not match torchvision's MobileNetV2: '{key}' has shape "
                f"{list(got.shape)}, expected {list(ref.shape)}{hint}"
            )
        if not (got.is_floating_point() or ref.dtype == torch.long):
            raise WeightsError(f"{label}: '{key}' has dtype {got.dtype}, expected floating point")
    return state


def _calibrate_batchnorm(model: torch.nn.Module, batch: torch.Tensor) -> None:
    """Set BatchNorm running statistics from one batch (no weights change).

    With torchvision's initial statistics (mean 0, var 1) an untrained MobileNetV2 in eval mode
    lets activations collapse to zero (every logit equal) or to denormal floats that are very slow
    on CPUs; real statistics keep the untrained model's activations, CAM and timings realistic.
    """
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.reset_running_stats()
            module.momentum = None  # cumulative average over the calibration batch
    model.train()
    with torch.no_grad():
        model(batch)
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.momentum = 0.1
    model.eval()


def _build(state: Mapping[str, torch.Tensor] | None, seed: int = UNTRAINED_SEED) -> torch.nn.Module:
    if state is None:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = _new_model()
            _calibrate_batchnorm(model, torch.randn(2, 3, 224, 224))
    else:
        model = _new_model()
        model.load_state_dict({k: v.to(torch.float32) if v.is_floating_point() else v for k, v in state.items()})
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def _loaded(state, source: str, name: str, preprocessing: str, message: str | None = None) -> LoadedModel:
    weights = _weights_enum(preprocessing)
    return LoadedModel(
        model=_build(state),
        source=source,
        name=name,
        pretrained=state is not None,
        categories=list(weights.meta["categories"]),
        transforms=weights.transforms(),
        message=message,
        preprocessing=preprocessing,
    )


def load_file(path: str | os.PathLike, *, preprocessing: str = "IMAGENET1K_V1", source: str = "file") -> LoadedModel:
    """Load a state_dict file; raises :class:`WeightsError` (file missing or invalid)."""
    _weights_enum(preprocessing)
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"weights file '{path}' does not exist")
    return load_bytes(path.read_bytes(), name=path.name, preprocessing=preprocessing, source=source)


def load_bytes(data: bytes, *, name: str, preprocessing: str = "IMAGENET1K_V1", source: str = "upload") -> LoadedModel:
    """Load state_dict bytes (a sidebar upload); raises :class:`WeightsError` naming ``name``."""
    _weights_enum(preprocessing)
    state = read_state_dict(bytes(data), label=f"'{name}'")
    return _loaded(state, source, name, preprocessing)


def _probe(url: str) -> None:
    """Fail fast (``OSError``) when the download host cannot be reached, instead of hanging."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https", "file"):
        raise OSError(f"unsupported URL scheme in {url}")
    if parsed.scheme == "file":
        return
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    with socket.create_connection((parsed.hostname, port), timeout=PROBE_TIMEOUT_S):
        pass


def download(name: str = DEFAULT_PRETRAINED, *, progress: bool = True) -> Path:
    """Fetch torchvision's file for ``name`` into the hub cache (hash-checked); return its path.

    Uses ``torch.hub.download_url_to_file`` (what torchvision uses), with a progress bar on stderr.
    Raises ``OSError`` when offline / unreachable and :class:`WeightsError` when the file is bad.
    """
    url = download_url(name)
    dst = cached_path(name)
    _probe(url)
    dst.parent.mkdir(parents=True, exist_ok=True)
    hash_prefix = dst.stem.rsplit("-", 1)[-1]
    try:
        torch.hub.download_url_to_file(url, str(dst), hash_prefix=hash_prefix, progress=progress)
    except RuntimeError as exc:  # hash mismatch
        raise WeightsError(f"the download from {url} is damaged: {exc}") from None
    read_state_dict(dst.read_bytes(), label=f"downloaded '{dst.name}'")
    return dst


def _fix_hint() -> str:
    return (
        f"To fix: on a connected machine run `python -m mobilenet_viz weights download` and copy "
        f"{_file_name(DEFAULT_PRETRAINED)} into {hub_checkpoint_dir()}, or set {ENV_WEIGHTS} to a "
        "state_dict file, or upload one in the sidebar."
    )


def untrained(message: str | None = None) -> LoadedModel:
    """The seeded (seed 0) untrained fallback: same architecture and cost, meaningless outputs."""
    return _loaded(None, "untrained", f"untrained (seed {UNTRAINED_SEED})", "IMAGENET1K_V1", message)


def load_mobilenet_v2(
    path: str | os.PathLike | None = None,
    *,
    preprocessing: str = "IMAGENET1K_V1",
    allow_download: bool = True,
) -> LoadedModel:
    """Resolve and load MobileNetV2 weights in the order documented in the module docstring.

    ``path`` given: that file or :class:`WeightsError`. Otherwise never raises for missing or
    broken weights: failures end in the untrained fallback with ``message`` for a banner.
    """
    _weights_enum(preprocessing)
    if path is not None:
        return load_file(path, preprocessing=preprocessing, source="file")
    problems: list[str] = []
    env = os.environ.get(ENV_WEIGHTS)
    if env:
        try:
            return load_file(env, preprocessing=preprocessing, source="env")
        except WeightsError as exc:
            problems.append(f"${ENV_WEIGHTS}: {exc}")
    for name in (DEFAULT_PRETRAINED, "IMAGENET1K_V1"):
        cached = cached_path(name)
        if cached.is_file():
            try:
                state = read_state_dict(cached.read_bytes(), label=f"cached '{cached}'")
                return _loaded(state, "cache", name, name, "; ".join(problems) or None)
            except WeightsError as exc:
                problems.append(str(exc))
    offline = offline_requested()
    if allow_download and not offline:
        try:
            path = download(DEFAULT_PRETRAINED)
            state = read_state_dict(path.read_bytes(), label=f"'{path.name}'")
            note = "; ".join(problems) or None
            return _loaded(state, "download", DEFAULT_PRETRAINED, DEFAULT_PRETRAINED, note)
        except (OSError, WeightsError) as exc:
            problems.append(f"could not download {download_url()} ({exc})")
    else:
        why = f"${ENV_OFFLINE} is set" if offline else "downloads are disabled"
        problems.append(f"no pretrained weights found and {why}")
    message = (
        "Pretrained weights unavailable: " + "; ".join(problems) + ". " + _fix_hint()
        + f" Using a seeded untrained model — {UNTRAINED_LABEL}."
    )
    return untrained(message)
