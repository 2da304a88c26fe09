"""The process-wide MobileNetV2 and its engines, loaded once (``st.cache_resource``).

Every page that needs the real network calls :func:`get_model` (and :func:`get_engines` to run
it). The returned objects are shared by all sessions: treat them as read-only (no hooks, no
``.train()``, no in-place edits; take a ``copy.deepcopy`` when you need to instrument a model).
"""

from __future__ import annotations

import dataclasses
import hashlib

import streamlit as st

from mobilenet_viz.runtime.engines import EngineSet
from mobilenet_viz.runtime.serving import use_serving_threads
from mobilenet_viz.runtime.weights import (
    LoadedModel,
    WeightsError,
    for_students,
    load_bytes,
    load_mobilenet_v2,
    load_mobilenet_v3,
    preprocessing_default,
    read_state_dict,
)
from ui import crash


@st.cache_resource(show_spinner="Loading MobileNetV2 weights (the first start may download 14 MB)…")
def get_model() -> LoadedModel:
    """The app's MobileNetV2: $MOBILENET_VIZ_WEIGHTS, torch hub cache, download, or the untrained
    fallback (``LoadedModel.message`` then says what failed; show it as a banner)."""
    use_serving_threads()  # before any engine is built: the ONNX session copies the thread count
    return _public(load_mobilenet_v2(preprocessing=preprocessing_default()))


def _public(loaded: LoadedModel) -> LoadedModel:
    """Log the full message (server paths, the fix) for whoever runs the server; pages get
    ``weights.for_students``: what it means and to ask the teacher, no paths (issue 16)."""
    if loaded.message is None:
        return loaded
    crash.LOG.warning("%s weights: %s", loaded.arch, loaded.message)
    return dataclasses.replace(loaded, message=for_students(loaded))


@st.cache_resource(show_spinner=False)
def get_engines() -> EngineSet:
    """Engines for :func:`get_model` (each built on first use, then shared)."""
    return EngineSet(get_model())


@st.cache_resource(show_spinner="Checking the uploaded weights…", max_entries=2)
def _uploaded(
    digest: str, name: str, preprocessing: str, _data: bytes
) -> tuple[LoadedModel, EngineSet]:
    loaded = load_bytes(_data, name=name, preprocessing=preprocessing)
    return loaded, EngineSet(loaded)


@st.cache_data(show_spinner=False, max_entries=64)
def _refusal(digest: str, name: str, _data: bytes) -> str | None:
    """Why these bytes are refused (None: they are usable), cached per content hash and name, so
    clicking again on a refused file costs nothing; a refused file never reaches ``_uploaded``."""
    try:
        read_state_dict(_data, label=f"'{name}'")
    except WeightsError as exc:
        return str(exc)
    return None


def get_uploaded(name: str, data: bytes, preprocessing: str) -> tuple[LoadedModel, EngineSet]:
    """A sidebar-uploaded state_dict, validated and cached by content; raises ``WeightsError``
    (the refusal is cached too: see :func:`_refusal`)."""
    digest = hashlib.sha256(data).hexdigest()
    refused = _refusal(digest, name, data)
    if refused is not None:
        raise WeightsError(refused)
    return _uploaded(digest, name, preprocessing, data)


@st.cache_resource(
    show_spinner="Loading MobileNetV3-Large weights (the first start may download 22 MB)…"
)
def get_v3_model() -> LoadedModel:
    """The MobileNetV3 page's MobileNetV3-Large, through the same chain as :func:`get_model`
    ($MOBILENET_VIZ_V3_WEIGHTS, torch hub cache, download, labelled untrained fallback). Read-only."""
    use_serving_threads()
    return _public(load_mobilenet_v3())


@st.cache_resource(
    show_spinner="Quantizing MobileNetV2 to int8 (calibrating on the sample photos, a few seconds, once)…",
    max_entries=2,
)
def _int8(digest: str, _engines: EngineSet):
    from mobilenet_viz.runtime import quantization

    _engines.get(
        "int8"
    )  # quantizes under the engines' build lock (the ONNX export is process-global)
    return quantization.quantized(_engines.loaded)


def get_int8(engines: EngineSet):
    """The int8 model of ``engines.loaded`` (``quantization.Int8Model``), quantized once per weights
    hash; raises ``EngineUnavailable`` when onnxruntime is missing."""
    from mobilenet_viz.runtime import quantization

    return _int8(
        quantization.weights_hash(engines.loaded.model) + engines.loaded.preprocessing, engines
    )
