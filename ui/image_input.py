"""A reusable image picker: a sample photo, the user's own upload, or a synthetic test pattern.

Usage in a page (``prefix`` is the page's widget-key prefix)::

    from ui.image_input import image_param_specs, pick_image

    PARAMS = PageParams("flt", {**image_param_specs(), "size": ...})
    PARAMS.restore()
    picked = pick_image("flt", pattern_size=64)   # draws the widgets
    if picked is None:
        PARAMS.stop()                              # the picker already said why
    image, description = picked

Widget keys are ``{prefix}_source``, ``{prefix}_sample``, ``{prefix}_pattern`` and
``{prefix}_upload``; the first three match ``image_param_specs()`` so a page can put them in
the URL through ``ui.params.PageParams`` (an upload cannot be shared by link). Pages that do not
use PageParams get sensible defaults.

Uploads are decoded by ``mobilenet_viz.inputs.images.decode_image`` (allow-listed formats, pixel limit
checked before decoding, EXIF orientation, everything converted to RGB). A bad file gives one
``st.error`` line naming the problem, and the picker returns None; nothing raises.
"""

from __future__ import annotations

import streamlit as st
from PIL import Image

from mobilenet_viz.inputs.images import MAX_PIXELS, ImageDecodeError, decode_image
from mobilenet_viz.inputs.samples import get_sample, list_samples
from mobilenet_viz.runtime.filtering import PATTERNS, synthetic_pattern
from mobilenet_viz.runtime.serving import inference_slot
from ui.params import ChoiceParam
from ui.text import md

SOURCES = ("sample", "upload", "pattern")
SOURCE_LABELS = {"sample": "Sample photo", "upload": "Upload", "pattern": "Synthetic pattern"}
PATTERN_LABELS = {"stripes": "Stripes", "checkerboard": "Checkerboard", "gradient": "Gradient"}
UPLOAD_TYPES = ["jpg", "jpeg", "png", "webp", "bmp", "gif"]
DEFAULT_SAMPLE = "cat.jpg"
MAX_UPLOAD_MB = 10  # the server-wide cap in .streamlit/config.toml


def _sample_names() -> list[str]:
    return [s.name for s in list_samples()]


def image_param_specs(*, allow_synthetic: bool = True) -> dict[str, ChoiceParam]:
    """PageParams specs for the picker's shareable widgets (source, sample, pattern)."""
    names = _sample_names()
    default_sample = DEFAULT_SAMPLE if DEFAULT_SAMPLE in names else (names[0] if names else "")
    sources = SOURCES if allow_synthetic else SOURCES[:2]
    return {
        "source": ChoiceParam("sample", sources),
        "sample": ChoiceParam(default_sample, names),
        "pattern": ChoiceParam(PATTERNS[0], PATTERNS),
    }


@st.cache_data(max_entries=16, show_spinner=False)
def _decode(data: bytes, max_side: int | None) -> tuple[Image.Image, str, tuple[str, ...]]:
    """Decode once per distinct upload (errors are not cached and re-raise), in the process-wide
    inference slot (decode-time bombs queue with inference instead of running 30 at once); JPEGs
    are decoded at reduced scale and everything is shrunk to ``max_side`` before it is cached."""
    with inference_slot():
        decoded = decode_image(data, max_side=max_side)
    return decoded.image, decoded.format, decoded.notes


@st.cache_data(max_entries=32, show_spinner=False)
def _sample(name: str, max_side: int | None) -> Image.Image:
    return _decode(get_sample(name).read_bytes(), max_side)[0]


def pick_image(
    prefix: str,
    *,
    allow_synthetic: bool = True,
    pattern_size: int = 128,
    max_side: int | None = 1024,
    label: str = "Input image",
) -> tuple[Image.Image, str] | None:
    """Draw the picker and return (RGB image, one-line description), or None.

    None means there is nothing to show yet (no upload) or the upload was rejected; the picker
    has already shown why. ``pattern_size``: side of the synthetic pattern in pixels (patterns
    are drawn at the size the page will use, so stripes stay crisp). ``max_side``: uploads and
    samples larger than this are downscaled (keeps reruns and the cache small).
    """
    specs = image_param_specs(allow_synthetic=allow_synthetic)
    for name, spec in specs.items():  # pages without PageParams: defaults
        st.session_state.setdefault(f"{prefix}_{name}", spec.default)
    if st.session_state[f"{prefix}_source"] not in specs["source"].choices:
        st.session_state[f"{prefix}_source"] = "sample"

    source = st.radio(
        label,
        horizontal=True,
        options=list(specs["source"].choices),
        format_func=SOURCE_LABELS.get,
        key=f"{prefix}_source",
        help="A sample photo shipped with the app, your own image, or a pattern that makes "
        "filter effects obvious.",
    )

    if source == "sample":
        samples = list_samples()
        if not samples:
            st.error("No sample photos found in assets/samples.")
            return None
        titles = {s.name: s.title for s in samples}
        name = st.selectbox(
            "Sample photo", options=list(titles), format_func=titles.get, key=f"{prefix}_sample"
        )
        return _sample(name, max_side), f"sample photo “{titles[name]}” ({name})"

    if source == "pattern":
        pattern = st.selectbox(
            "Pattern",
            options=list(PATTERNS),
            format_func=PATTERN_LABELS.get,
            key=f"{prefix}_pattern",
            help="Stripes: red vertical, green horizontal, blue diagonal, so each channel differs.",
        )
        return synthetic_pattern(
            pattern, pattern_size
        ), f"synthetic pattern “{PATTERN_LABELS[pattern]}”"

    uploaded = st.file_uploader(
        "Your image",
        type=UPLOAD_TYPES,
        key=f"{prefix}_upload",
        max_upload_size=MAX_UPLOAD_MB,
        help=f"JPEG, PNG, WebP, BMP or GIF, up to {MAX_UPLOAD_MB} MB and {MAX_PIXELS // 1_000_000} megapixels. "
        "It stays in this session only.",
    )
    if uploaded is None:
        st.info(
            "Upload a JPEG, PNG, WebP, BMP or GIF image to use it here.", icon=":material/upload:"
        )
        return None
    try:
        image, fmt, notes = _decode(uploaded.getvalue(), max_side)
    except ImageDecodeError as exc:
        st.error(f"Cannot use “{md(uploaded.name)}”: {md(exc)}.", icon=":material/broken_image:")
        return None
    if notes:
        st.caption("Note: " + "; ".join(notes) + ".")
    return image, f"your upload “{md(uploaded.name)}” ({fmt}, {image.size[0]}×{image.size[1]})"
