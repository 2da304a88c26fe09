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

The same chain, with the same checks, loads MobileNetV3-Large for the MobileNetV3 page
(:func:`load_mobilenet_v3`: ``MOBILENET_VIZ_V3_WEIGHTS``, torchvision's ``MobileNet_V3_Large_Weights``
files); :class:`Arch` names the network and every step takes it as a parameter.

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
import struct
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import torch
from torchvision.models import (
    MobileNet_V2_Weights,
    MobileNet_V3_Large_Weights,
    mobilenet_v2,
    mobilenet_v3_large,
)

from mobilenet_viz import settings
from mobilenet_viz.settings import ENV_OFFLINE, ENV_V3_WEIGHTS, ENV_WEIGHTS

DEFAULT_PRETRAINED = "IMAGENET1K_V2"
PREPROCESSINGS = ("IMAGENET1K_V1", "IMAGENET1K_V2")
UNTRAINED_LABEL = "untrained: predictions are meaningless, timings are real"
UNTRAINED_SEED = 0


def preprocessing_default() -> str:
    """$MOBILENET_VIZ_PREPROCESSING when valid, else IMAGENET1K_V1: which torchvision transforms a
    state_dict file (``$MOBILENET_VIZ_WEIGHTS``, ``--weights``) is used with."""
    value = settings.preprocessing()
    return value if value in PREPROCESSINGS else "IMAGENET1K_V1"


NUM_CLASSES = 1000
PROBE_TIMEOUT_S = 5.0


class WeightsError(ValueError):
    """A weights file that cannot be used; the message says why and what was expected."""


@dataclass(frozen=True)
class Arch:
    """A torchvision network whose weights go through this module's chain (same steps, same checks)."""

    key: str  # "v2", "v3-large"
    title: str  # "MobileNetV2"
    builder: Callable[
        ..., torch.nn.Module
    ]  # torchvision constructor (weights=None, num_classes=...)
    weights: type  # torchvision weights enum
    names: tuple[str, ...]  # weights searched in the hub cache, best first; names[0] is downloaded
    env: str  # environment variable naming a state_dict file


V2 = Arch(
    "v2",
    "MobileNetV2",
    mobilenet_v2,
    MobileNet_V2_Weights,
    ("IMAGENET1K_V2", "IMAGENET1K_V1"),
    ENV_WEIGHTS,
)
V3_LARGE = Arch(
    "v3-large", "MobileNetV3-Large", mobilenet_v3_large, MobileNet_V3_Large_Weights,
    ("IMAGENET1K_V2", "IMAGENET1K_V1"), ENV_V3_WEIGHTS,
)  # fmt: skip
ARCHS = {a.key: a for a in (V2, V3_LARGE)}


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
    arch: str = "v2"  # key of ARCHS: which network this is

    def describe(self) -> str:
        """One line for people: 'IMAGENET1K_V2 (torch hub cache)'."""
        where = {
            "env": f"${ARCHS[self.arch].env}",
            "file": "file",
            "upload": "uploaded file",
            "cache": "torch hub cache",
            "download": "downloaded",
            "untrained": UNTRAINED_LABEL,
        }[self.source]
        return f"{self.name} ({where})"


def offline_requested() -> bool:
    """True when ``$MOBILENET_VIZ_OFFLINE`` asks for no downloads (:func:`settings.offline`): the
    loader and ``weights where`` both ask here."""
    return settings.offline()


def _weights_enum(name: str, arch: Arch = V2):
    if name not in PREPROCESSINGS or name not in arch.names:
        raise WeightsError(
            f"unknown preprocessing '{name}'; choose one of {', '.join(PREPROCESSINGS)}"
        )
    return arch.weights[name]


def _file_name(name: str, arch: Arch = V2) -> str:
    return Path(urlparse(_weights_enum(name, arch).url).path).name


def hub_checkpoint_dir() -> Path:
    """Where torchvision keeps downloaded weights: ``torch.hub.get_dir()/checkpoints``."""
    return Path(torch.hub.get_dir()) / "checkpoints"


def download_url(name: str = DEFAULT_PRETRAINED, arch: Arch = V2) -> str:
    """torchvision's URL for ``name``, or the same file name under ``$MOBILENET_VIZ_DOWNLOAD_BASE``."""
    base = settings.download_base()
    if base:
        return base.rstrip("/") + "/" + _file_name(name, arch)
    return _weights_enum(name, arch).url


def cached_path(name: str = DEFAULT_PRETRAINED, arch: Arch = V2) -> Path:
    """Where torchvision's file for ``name`` lives in the hub cache (whether present or not)."""
    return hub_checkpoint_dir() / _file_name(name, arch)


def search_locations(arch: Arch = V2) -> list[dict[str, object]]:
    """Every place the app looks for weights, in order, and whether something is there."""
    rows: list[dict[str, object]] = []
    env = settings.weights_file(arch.env)
    rows.append(
        {
            "step": "env",
            "what": f"${arch.env}",
            "path": env,
            "exists": bool(env) and Path(env).is_file(),
        }
    )
    for name in arch.names:
        path = cached_path(name, arch)
        rows.append({"step": "cache", "what": name, "path": str(path), "exists": path.is_file()})
    rows.append(
        {
            "step": "download",
            "what": arch.names[0],
            "path": download_url(arch.names[0], arch),
            "exists": None,
        }
    )
    return rows


def _new_model(arch: Arch = V2) -> torch.nn.Module:
    return arch.builder(weights=None, num_classes=NUM_CLASSES)


@functools.lru_cache(maxsize=len(ARCHS))
def _expected_tensors(arch: Arch = V2) -> dict[str, torch.Tensor]:
    """torchvision's state_dict layout for ``arch`` (names, shapes, dtypes), on the meta device."""
    with torch.device("meta"):
        return dict(_new_model(arch).state_dict())


def _is_torchscript(data: bytes) -> bool:
    if not data.startswith(b"PK"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    return any(n.endswith("constants.pkl") or "/code/" in n for n in names)


MAX_ARCHIVE_ENTRIES = 4096  # MobileNetV2's torch.save archive has 320 entries, V3-Large's about 300
_ARCHIVE_SLACK_BYTES = 8 * 2**20  # data.pkl, version files, alignment: about 50 KB in practice


def _zip_entry_count(data: bytes) -> int | None:
    """Entries a ZIP declares in its end-of-central-directory record (PKWARE APPNOTE 6.3, 4.3.16;
    the ZIP64 record 4.3.14 when the count is 0xFFFF), read before ``zipfile`` builds one object
    per entry; None when there is no such record."""
    tail = max(0, len(data) - (22 + 0xFFFF))
    end = data.rfind(b"PK\x05\x06", tail)
    if end < 0 or end + 22 > len(data):
        return None
    count = struct.unpack_from("<H", data, end + 10)[0]
    if count == 0xFFFF:
        locator = data.rfind(b"PK\x06\x07", tail, end)
        if locator >= 0 and locator + 20 <= len(data):
            offset = struct.unpack_from("<Q", data, locator + 8)[0]
            if offset + 56 <= len(data) and data[offset : offset + 4] == b"PK\x06\x06":
                count = struct.unpack_from("<Q", data, offset + 32)[0]
    return count


def archive_limits(arch: Arch = V2) -> tuple[int, int, int]:
    """(bytes of ``arch``'s float32 state_dict, most bytes one entry may unpack to, most in all).

    Float64 weights are accepted (twice the float32 bytes), so one entry may hold twice the
    largest tensor and the whole archive twice the state_dict plus :data:`_ARCHIVE_SLACK_BYTES`.
    """
    sizes = [t.numel() * t.element_size() for t in _expected_tensors(arch).values()]
    return sum(sizes), 2 * max(sizes) + _ARCHIVE_SLACK_BYTES, 2 * sum(sizes) + _ARCHIVE_SLACK_BYTES


def inspect_archive(data: bytes, *, label: str = "the file", arch: Arch = V2) -> None:
    """Refuse a ``torch.save`` ZIP archive that would unpack to more than ``arch`` can need,
    from its directory alone, before anything is inflated (a 4 MB file holding one deflated
    4 GB tensor cost +3.6 GB inside ``torch.load``). Raises :class:`WeightsError`; bytes that are
    not a ZIP archive are left to ``torch.load``."""
    if not data.startswith(b"PK"):
        return
    entries = _zip_entry_count(data)
    if entries is not None and entries > MAX_ARCHIVE_ENTRIES:
        raise WeightsError(
            f"{label} was refused before unpacking: its archive lists {entries:,} entries; a "
            f"{arch.title} state_dict has a few hundred (at most {MAX_ARCHIVE_ENTRIES:,} accepted)"
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, struct.error):
        return  # torch.load says what is wrong with it
    expected, per_entry, total = archive_limits(arch)
    declared = sum(info.file_size for info in infos)
    biggest = max(infos, key=lambda info: info.file_size, default=None)
    if declared > total:
        raise WeightsError(
            f"{label} was refused before unpacking: it would unpack to {declared / 1e6:,.0f} MB; a "
            f"{arch.title} state_dict is {expected / 1e6:.0f} MB (at most {total / 1e6:.0f} MB accepted)"
        )
    if biggest is not None and biggest.file_size > per_entry:
        raise WeightsError(
            f"{label} was refused before unpacking: one entry would unpack to "
            f"{biggest.file_size / 1e6:,.0f} MB; {arch.title}'s largest tensor is "
            f"{(per_entry - _ARCHIVE_SLACK_BYTES) / 2e6:.1f} MB"
        )


def read_state_dict(
    data: bytes, *, label: str = "the file", arch: Arch = V2
) -> dict[str, torch.Tensor]:
    """Bytes of a ``torch.save(model.state_dict())`` file -> the state_dict, validated.

    Uses ``torch.load(weights_only=True)``, so no pickled code ever runs. Raises
    :class:`WeightsError` naming ``label`` for: empty/truncated/corrupt files, pickled objects
    other than tensors, TorchScript archives, non-mappings, and non-MobileNetV2 tensors.
    A ``{"state_dict": {...}}`` / ``{"model": {...}}`` wrapper and a ``module.`` prefix
    (DataParallel) are accepted.
    """
    if not data:
        raise WeightsError(f"{label} is empty")
    inspect_archive(data, label=label, arch=arch)
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
        raise WeightsError(
            f"{label} is not a PyTorch weights file (corrupt or not a .pth)"
        ) from None
    except Exception as exc:  # noqa: BLE001 - torch.load raises many types for broken bytes
        text = str(exc).lower()
        if isinstance(exc, EOFError) or "central directory" in text or "truncat" in text:
            raise WeightsError(
                f"{label} is truncated or corrupt (it ends early); download it again"
            ) from None
        raise WeightsError(
            f"{label} is not a PyTorch weights file (corrupt or not a .pth)"
        ) from None
    return check_state_dict(obj, label=label, arch=arch)


def check_state_dict(
    obj: object, *, label: str = "the file", arch: Arch = V2
) -> dict[str, torch.Tensor]:
    """Validate that ``obj`` is a mapping of tensors with torchvision's keys and shapes for ``arch``."""
    if isinstance(obj, Mapping):
        for wrapper in ("state_dict", "model"):
            if set(obj) == {wrapper} or (
                wrapper in obj
                and isinstance(obj[wrapper], Mapping)
                and all(isinstance(v, torch.Tensor) for v in obj[wrapper].values())
            ):
                obj = obj[wrapper]
                break
    if not isinstance(obj, Mapping):
        raise WeightsError(
            f"{label} holds a {type(obj).__name__}, not a state_dict (a mapping of parameter names to tensors)"
        )
    bad = [
        str(k) for k, v in obj.items() if not isinstance(k, str) or not isinstance(v, torch.Tensor)
    ]
    if bad:
        raise WeightsError(
            f"{label} is not a mapping of tensors: {len(bad)} entries are not tensors (e.g. '{bad[0]}')"
        )
    state = {k.removeprefix("module."): v for k, v in obj.items()}
    expected = _expected_tensors(arch)
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"{len(missing)} missing (e.g. '{missing[0]}')")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected (e.g. '{unexpected[0]}')")
        raise WeightsError(
            f"{label} does not match torchvision's {arch.title} (width 1.0, {NUM_CLASSES} classes): "
            f"{len(expected)} tensors expected; " + ", ".join(parts)
        )
    for key, ref in expected.items():
        got = state[key]
        if tuple(got.shape) != tuple(ref.shape):
            hint = ""
            if key.startswith("classifier"):
                hint = f" (this app needs the {NUM_CLASSES}-class ImageNet head)"
            raise WeightsError(
                f"{label} does not match torchvision's {arch.title}: '{key}' has shape "
                f"{list(got.shape)}, expected {list(ref.shape)}{hint}"
            )
        if not (got.is_floating_point() or ref.dtype == torch.long):
            raise WeightsError(f"{label}: '{key}' has dtype {got.dtype}, expected floating point")
        if got.is_floating_point():
            bad_values = got.numel() - int(torch.isfinite(got).sum())
            if bad_values:
                raise WeightsError(
                    f"{label}: '{key}' holds {bad_values:,} NaN or infinite values; the weights are "
                    "damaged (or the training diverged) and every prediction would be NaN"
                )
    return state


def _calibrate_batchnorm(model: torch.nn.Module, batch: torch.Tensor) -> None:
    """Set BatchNorm running statistics from one batch (no weights change).

    With torchvision's initial statistics (mean 0, var 1) an untrained MobileNetV2 in eval mode
    lets activations collapse to zero (every logit equal) or to denormal floats that are very slow
    on CPUs; real statistics keep the untrained model's activations, CAM and timings realistic.
    """
    momentum = {}
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.reset_running_stats()
            momentum[module] = module.momentum  # 0.1 in MobileNetV2, 0.01 in MobileNetV3
            module.momentum = None  # cumulative average over the calibration batch
    model.train()
    with torch.no_grad():
        model(batch)
    for module, value in momentum.items():
        module.momentum = value
    model.eval()


def _build(
    state: Mapping[str, torch.Tensor] | None, seed: int = UNTRAINED_SEED, arch: Arch = V2
) -> torch.nn.Module:
    if state is None:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = _new_model(arch)
            _calibrate_batchnorm(model, torch.randn(2, 3, 224, 224))
    else:
        model = _new_model(arch)
        model.load_state_dict(
            {k: v.to(torch.float32) if v.is_floating_point() else v for k, v in state.items()}
        )
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def _loaded(
    state, source: str, name: str, preprocessing: str, message: str | None = None, arch: Arch = V2
) -> LoadedModel:
    weights = _weights_enum(preprocessing, arch)
    return LoadedModel(
        model=_build(state, arch=arch),
        source=source,
        name=name,
        pretrained=state is not None,
        categories=list(weights.meta["categories"]),
        transforms=weights.transforms(),
        message=message,
        preprocessing=preprocessing,
        arch=arch.key,
    )


def load_file(
    path: str | os.PathLike,
    *,
    preprocessing: str = "IMAGENET1K_V1",
    source: str = "file",
    arch: Arch = V2,
) -> LoadedModel:
    """Load a state_dict file; raises :class:`WeightsError` (file missing or invalid)."""
    _weights_enum(preprocessing, arch)
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"weights file '{path}' does not exist")
    return load_bytes(
        path.read_bytes(), name=path.name, preprocessing=preprocessing, source=source, arch=arch
    )


def load_bytes(
    data: bytes,
    *,
    name: str,
    preprocessing: str = "IMAGENET1K_V1",
    source: str = "upload",
    arch: Arch = V2,
) -> LoadedModel:
    """Load state_dict bytes (a sidebar upload); raises :class:`WeightsError` naming ``name``."""
    _weights_enum(preprocessing, arch)
    state = read_state_dict(bytes(data), label=f"'{name}'", arch=arch)
    return _loaded(state, source, name, preprocessing, arch=arch)


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


def download(name: str = DEFAULT_PRETRAINED, *, progress: bool = True, arch: Arch = V2) -> Path:
    """Fetch torchvision's file for ``name`` into the hub cache (hash-checked); return its path.

    Uses ``torch.hub.download_url_to_file`` (what torchvision uses), with a progress bar on stderr.
    Raises ``OSError`` when offline / unreachable and :class:`WeightsError` when the file is bad.
    """
    url = download_url(name, arch)
    dst = cached_path(name, arch)
    _probe(url)
    dst.parent.mkdir(parents=True, exist_ok=True)
    hash_prefix = dst.stem.rsplit("-", 1)[-1]
    try:
        torch.hub.download_url_to_file(url, str(dst), hash_prefix=hash_prefix, progress=progress)
    except RuntimeError as exc:  # hash mismatch
        raise WeightsError(f"the download from {url} is damaged: {exc}") from None
    read_state_dict(dst.read_bytes(), label=f"downloaded '{dst.name}'", arch=arch)
    return dst


def _fix_hint(arch: Arch = V2) -> str:
    option = "" if arch is V2 else f" --model {arch.key}"
    upload = (
        ", or upload one in the sidebar" if arch is V2 else ""
    )  # the V3 file (22 MB) is over the upload cap
    return (
        f"To fix: on a connected machine run `python -m mobilenet_viz weights download{option}` and copy "
        f"{_file_name(arch.names[0], arch)} into {hub_checkpoint_dir()}, or set {arch.env} to a "
        f"state_dict file{upload}."
    )


def for_students(loaded: LoadedModel) -> str | None:
    """``loaded.message`` as a shared app shows it to everyone: what it means and whom to ask,
    without the server's paths (hub cache folder, ``$MOBILENET_VIZ_WEIGHTS`` file, errors quoting
    them). The full message is for the person running the server (log, CLI)."""
    if loaded.message is None:
        return None
    title = ARCHS[loaded.arch].title
    if not loaded.pretrained:
        return (
            f"Pretrained {title} weights are not available on this server, so a seeded untrained model "
            f"is used — {UNTRAINED_LABEL}. Ask the teacher (whoever runs the server) to install them: "
            "the server's log says what failed and how to fix it."
        )
    return f"Using {loaded.describe()}; another source of {title} weights failed (the server's log says why)."


def untrained(message: str | None = None, arch: Arch = V2) -> LoadedModel:
    """The seeded (seed 0) untrained fallback: same architecture and cost, meaningless outputs."""
    return _loaded(
        None, "untrained", f"untrained (seed {UNTRAINED_SEED})", "IMAGENET1K_V1", message, arch
    )


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
    return load_pretrained(V2, path, preprocessing=preprocessing, allow_download=allow_download)


def load_mobilenet_v3(
    path: str | os.PathLike | None = None,
    *,
    preprocessing: str = "IMAGENET1K_V1",
    allow_download: bool = True,
) -> LoadedModel:
    """MobileNetV3-Large (Howard et al., arXiv:1905.02244v5, Table 1; torchvision
    ``mobilenet_v3_large``) through the same chain: ``$MOBILENET_VIZ_V3_WEIGHTS``, the hub cache
    (``MobileNet_V3_Large_Weights`` IMAGENET1K_V2, then V1), a download, the untrained fallback."""
    return load_pretrained(
        V3_LARGE, path, preprocessing=preprocessing, allow_download=allow_download
    )


def load_pretrained(
    arch: Arch,
    path: str | os.PathLike | None = None,
    *,
    preprocessing: str = "IMAGENET1K_V1",
    allow_download: bool = True,
) -> LoadedModel:
    """The chain of the module docstring for any :class:`Arch`: file, env, cache, download, untrained."""
    _weights_enum(preprocessing, arch)
    if path is not None:
        return load_file(path, preprocessing=preprocessing, source="file", arch=arch)
    problems: list[str] = []
    env = settings.weights_file(arch.env)
    if env:
        try:
            return load_file(env, preprocessing=preprocessing, source="env", arch=arch)
        except WeightsError as exc:
            problems.append(f"${arch.env}: {exc}")
    for name in arch.names:
        cached = cached_path(name, arch)
        if cached.is_file():
            try:
                state = read_state_dict(cached.read_bytes(), label=f"cached '{cached}'", arch=arch)
                return _loaded(state, "cache", name, name, "; ".join(problems) or None, arch)
            except WeightsError as exc:
                problems.append(str(exc))
    offline = offline_requested()
    best = arch.names[0]
    if allow_download and not offline:
        try:
            path = download(best, arch=arch)
            state = read_state_dict(path.read_bytes(), label=f"'{path.name}'", arch=arch)
            note = "; ".join(problems) or None
            return _loaded(state, "download", best, best, note, arch)
        except (OSError, WeightsError) as exc:
            problems.append(f"could not download {download_url(best, arch)} ({exc})")
    else:
        why = f"${ENV_OFFLINE} is set" if offline else "downloads are disabled"
        problems.append(f"no pretrained {arch.title} weights found and {why}")
    message = (
        f"Pretrained {arch.title} weights unavailable: "
        + "; ".join(problems)
        + ". "
        + _fix_hint(arch)
        + f" Using a seeded untrained model — {UNTRAINED_LABEL}."
    )
    return untrained(message, arch)
