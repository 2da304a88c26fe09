"""Every environment setting of MobileNet Lab (``MOBILENET_VIZ_*``), read here and nowhere else.

The modules that use a setting import its reader from here, so a variable means the same thing to
every part of the app (``weights where`` and the loader agree on ``MOBILENET_VIZ_OFFLINE``) and
:data:`SETTINGS` is the one list docs/DESIGN.md's table is checked against
(tests/unit/test_settings.py). Standard library only, so any layer may import it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENV_WEIGHTS = "MOBILENET_VIZ_WEIGHTS"
ENV_V3_WEIGHTS = "MOBILENET_VIZ_V3_WEIGHTS"
ENV_PREPROCESSING = "MOBILENET_VIZ_PREPROCESSING"
ENV_OFFLINE = "MOBILENET_VIZ_OFFLINE"
ENV_DOWNLOAD_BASE = "MOBILENET_VIZ_DOWNLOAD_BASE"
ENV_THREADS = "MOBILENET_VIZ_THREADS"
ENV_MAX_CONCURRENT = "MOBILENET_VIZ_MAX_CONCURRENT"
ENV_PUBLIC_URL = "MOBILENET_VIZ_PUBLIC_URL"
ENV_TEACHER_PIN = "MOBILENET_VIZ_TEACHER_PIN"
ENV_DATA_DIR = "MOBILENET_VIZ_DATA_DIR"
ENV_TEST_WEIGHTS = "MOBILENET_VIZ_TEST_WEIGHTS"
ENV_TEST_PHOTOS = "MOBILENET_VIZ_TEST_PHOTOS"
ENV_REQUIRE_BROWSER = "MOBILENET_VIZ_REQUIRE_BROWSER"
ENV_CHROMIUM = "MOBILENET_VIZ_CHROMIUM"

TRUE_WORDS = ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Setting:
    name: str
    default: str  # what applies when the variable is unset, in words
    effect: str
    tests_only: bool = False


SETTINGS = (
    Setting(ENV_WEIGHTS, "the torch hub cache, then a download",
            "a torchvision-format MobileNetV2 state_dict to use instead of the hub cache"),
    Setting(ENV_V3_WEIGHTS, "the torch hub cache, then a download",
            "the same for MobileNetV3-Large (the MobileNetV3 page's SE scales)"),
    Setting(ENV_PREPROCESSING, "IMAGENET1K_V1",
            "`IMAGENET1K_V1` or `IMAGENET1K_V2`: the torchvision resize/crop for that file"),
    Setting(ENV_OFFLINE, "off", "1/true/yes/on: never try to download weights"),
    Setting(ENV_DOWNLOAD_BASE, "torchvision's URLs",
            "where downloads come from (tests point it at a refused port)"),
    Setting(ENV_THREADS, "1", "torch threads per inference"),
    Setting(ENV_MAX_CONCURRENT, "1", "inferences at once per process (the inference slots)"),
    Setting(ENV_PUBLIC_URL, "the browser's or the LAN address",
            "the address student links and QR codes point at (http://host:port)"),
    Setting(ENV_TEACHER_PIN, "six random digits per process",
            "the Class questions page's teacher PIN (4-32 letters or digits)"),
    Setting(ENV_DATA_DIR, "$XDG_DATA_HOME/mobilenet-lab (~/.local/share/mobilenet-lab)",
            "where the class questions' SQLite file lives"),
    Setting(ENV_TEST_WEIGHTS, "those tests skip",
            "real ImageNet MobileNetV2 weights from outside the project", tests_only=True),
    Setting(ENV_TEST_PHOTOS, "those tests skip",
            "a folder of real photos (cat.jpg, dragonfly.jpg, bird.jpg)", tests_only=True),
    Setting(ENV_REQUIRE_BROWSER, "browser tests skip without Chromium",
            "fail instead of skipping when no Chromium is found", tests_only=True),
    Setting(ENV_CHROMIUM, "/usr/bin/chromium", "the Chromium the browser tests and benchmarks drive",
            tests_only=True),
)  # fmt: skip


def _text(name: str) -> str | None:
    """The variable's value without surrounding spaces; None when unset or blank."""
    value = os.environ.get(name, "").strip()
    return value or None


def _positive_int(name: str, default: int) -> int:
    """A positive integer from the environment; ``default`` when unset or not a positive integer."""
    try:
        value = int(_text(name) or default)
    except ValueError:
        return default
    return value if value >= 1 else default


def weights_file(variable: str = ENV_WEIGHTS) -> str | None:
    """The state_dict path in ``variable`` (``ENV_WEIGHTS`` or ``ENV_V3_WEIGHTS``), or None."""
    if variable not in (ENV_WEIGHTS, ENV_V3_WEIGHTS):
        raise ValueError(f"{variable} is not a weights setting")
    return _text(variable)


def preprocessing() -> str | None:
    """``$MOBILENET_VIZ_PREPROCESSING`` as given (runtime.weights checks it against its presets)."""
    return _text(ENV_PREPROCESSING)


def offline() -> bool:
    """True when ``$MOBILENET_VIZ_OFFLINE`` asks for no downloads (1/true/yes/on, any case).

    "off", "0" and anything else mean downloads are allowed, for the loader and ``weights where``
    alike."""
    return (_text(ENV_OFFLINE) or "").lower() in TRUE_WORDS


def download_base() -> str | None:
    """``$MOBILENET_VIZ_DOWNLOAD_BASE``: a folder URL that replaces torchvision's download host."""
    return _text(ENV_DOWNLOAD_BASE)


def threads() -> int:
    """``$MOBILENET_VIZ_THREADS``: torch threads per inference in the app, default 1."""
    return _positive_int(ENV_THREADS, 1)


def max_concurrent() -> int:
    """``$MOBILENET_VIZ_MAX_CONCURRENT``: inferences at once per process, default 1."""
    return _positive_int(ENV_MAX_CONCURRENT, 1)


def public_url() -> str | None:
    """``$MOBILENET_VIZ_PUBLIC_URL`` as given (classroom.lan parses it)."""
    return _text(ENV_PUBLIC_URL)


def teacher_pin() -> str | None:
    """``$MOBILENET_VIZ_TEACHER_PIN`` as given (classroom.teacher_pin checks it)."""
    return _text(ENV_TEACHER_PIN)


def data_dir() -> Path:
    """``$MOBILENET_VIZ_DATA_DIR``, else ``$XDG_DATA_HOME/mobilenet-lab`` (``~/.local/share/...``)."""
    chosen = _text(ENV_DATA_DIR)
    if chosen:
        return Path(chosen).expanduser()
    base = _text("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "mobilenet-lab"


def weights_for_tests() -> Path | None:
    """Tests only: ``$MOBILENET_VIZ_TEST_WEIGHTS`` when it names an existing file."""
    value = _text(ENV_TEST_WEIGHTS)
    return Path(value) if value and Path(value).is_file() else None


def photos_for_tests() -> Path | None:
    """Tests only: ``$MOBILENET_VIZ_TEST_PHOTOS`` when it names an existing folder."""
    value = _text(ENV_TEST_PHOTOS)
    return Path(value) if value and Path(value).is_dir() else None


def require_browser() -> bool:
    """Tests only: ``$MOBILENET_VIZ_REQUIRE_BROWSER`` set to anything non-blank."""
    return _text(ENV_REQUIRE_BROWSER) is not None


def chromium() -> str | None:
    """Tests and benchmarks only: ``$MOBILENET_VIZ_CHROMIUM``, the Chromium to drive."""
    return _text(ENV_CHROMIUM)


def markdown_table() -> str:
    """:data:`SETTINGS` as the Markdown table docs/DESIGN.md carries (a test keeps them equal)."""
    lines = ["| variable | when unset | what it does |", "|---|---|---|"]
    for s in SETTINGS:
        effect = f"tests only: {s.effect}" if s.tests_only else s.effect
        lines.append(f"| `{s.name}` | {s.default} | {effect} |")
    return "\n".join(lines)
