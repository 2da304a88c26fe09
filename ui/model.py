"""The process-wide MobileNetV2 and its engines, loaded once (``st.cache_resource``).

Every page that needs the real network calls :func:`get_model` (and :func:`get_engines` to run
it). The returned objects are shared by all sessions: treat them as read-only (no hooks, no
``.train()``, no in-place edits; take a ``copy.deepcopy`` when you need to instrument a model).
"""

from __future__ import annotations

import hashlib

import streamlit as st

from mobilenet_viz.commands.weights import preprocessing_default
from mobilenet_viz.inference import EngineSet, use_serving_threads
from mobilenet_viz.weights import LoadedModel, load_bytes, load_mobilenet_v2


@st.cache_resource(show_spinner="Loading MobileNetV2 weights (the first start may download 14 MB)…")
def get_model() -> LoadedModel:
    """The app's MobileNetV2: $MOBILENET_VIZ_WEIGHTS, torch hub cache, download, or the untrained
    fallback (``LoadedModel.message`` then says what failed; show it as a banner)."""
    use_serving_threads()  # before any engine is built: the ONNX session copies the thread count
    return load_mobilenet_v2(preprocessing=preprocessing_default())


@st.cache_resource(show_spinner=False)
def get_engines() -> EngineSet:
    """Engines for :func:`get_model` (each built on first use, then shared)."""
    return EngineSet(get_model())


@st.cache_resource(show_spinner="Checking the uploaded weights…", max_entries=2)
def _uploaded(digest: str, name: str, preprocessing: str, _data: bytes) -> tuple[LoadedModel, EngineSet]:
    loaded = load_bytes(_data, name=name, preprocessing=preprocessing)
    return loaded, EngineSet(loaded)


def get_uploaded(name: str, data: bytes, preprocessing: str) -> tuple[LoadedModel, EngineSet]:
    """A sidebar-uploaded state_dict, validated and cached by content; raises ``WeightsError``."""
    return _uploaded(hashlib.sha256(data).hexdigest(), name, preprocessing, data)
