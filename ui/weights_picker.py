"""The sidebar's *Model weights* box (Classify): a student's own MobileNetV2 ``state_dict`` in place
of the app's, validated and cached by content (:func:`ui.model.get_uploaded`), and the notes that
say which weights are in use (an untrained fallback, a refused file, the preprocessing)."""

from __future__ import annotations

import streamlit as st

from mobilenet_viz.explain import classify as text
from mobilenet_viz.runtime.engines import EngineSet
from mobilenet_viz.runtime.weights import PREPROCESSINGS, LoadedModel, WeightsError
from ui.model import get_engines, get_model, get_uploaded
from ui.text import md


def weights_sidebar(params, notes) -> tuple[LoadedModel, EngineSet]:
    """Draw the box and return the model and engines in use: the uploaded file when it is usable,
    else the app's (the refusal is said in the sidebar and in ``notes``). ``params``: the page's
    ``PageParams`` with a ``prep`` choice (the preprocessing the uploaded weights expect, shared in
    the URL); ``notes``: the container for the banners and the weights caption."""
    with st.sidebar, st.expander("Model weights", expanded=False):
        weights_file = st.file_uploader(
            "Use your own MobileNetV2 state_dict (.pth)",
            key="cls_weights_file",
            max_upload_size=16,
            help="A file saved with torch.save(model.state_dict(), path) for torchvision's "
            "mobilenet_v2 (1000 classes). It is read with weights_only=True: no code runs.",
        )
        st.radio(
            "Preprocessing the uploaded weights expect",
            PREPROCESSINGS,
            key=params.key("prep"),
            format_func=text.PREP_LABELS.get,
        )
        st.caption(
            "Without an upload the app uses $MOBILENET_VIZ_WEIGHTS, then torchvision's cached "
            "file, then a download; `python -m mobilenet_viz weights where` lists the places."
        )
    loaded, engines = get_model(), get_engines()
    if weights_file is not None:
        try:
            loaded, engines = get_uploaded(
                weights_file.name, weights_file.getvalue(), params.value("prep")
            )
        except WeightsError as exc:
            st.sidebar.error(md(exc))
            notes.error(f"Uploaded weights not used: {md(exc)}", icon=":material/error:")
    if not loaded.pretrained:
        notes.error(loaded.message or text.UNTRAINED, icon=":material/warning:")
    elif loaded.message:
        notes.warning(loaded.message, icon=":material/info:")
    size = loaded.transforms
    notes.caption(
        text.weights_caption(
            md(loaded.describe()), size.resize_size[0], size.crop_size[0], loaded.preprocessing
        )
    )
    return loaded, engines
