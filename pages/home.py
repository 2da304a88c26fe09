"""Home: what MobileNets are, and where each idea lives in the app."""

import streamlit as st

from mobilenet_viz.analytic.notation import glossary_markdown
from ui import presenter, stage
from ui.routing import through_router

through_router()  # a deep link that is a fresh server's first request still goes through app.py

# (page, label, icon, what it shows): the two columns of links, in the router's order
LINKS = (
    (
        "pages/separable.py",
        "Standard vs depthwise separable",
        ":material/call_split:",
        "Configure one layer and watch the cost formulas, the saving and real timings.",
    ),
    (
        "pages/filters.py",
        "How the filters work",
        ":material/filter:",
        "See what standard, depthwise and pointwise filters do to a real image.",
    ),
    (
        "pages/inverted_residual.py",
        "Inverted residual block",
        ":material/swap_vert:",
        "Expand → depthwise → project: shapes, costs, memory and the linear bottleneck.",
    ),
    (
        "pages/architectures.py",
        "Architectures",
        ":material/account_tree:",
        "MobileNetV1, V2 and V3 layer by layer, with width and resolution multipliers.",
    ),
    (
        "pages/mobilenet_v3.py",
        "MobileNetV3",
        ":material/bolt:",
        "What V3 changed after V2: squeeze-and-excite, h-swish, a cheaper last stage, search; "
        "measured.",
    ),
    (
        "pages/classify.py",
        "Classify",
        ":material/image_search:",
        "Run a real MobileNetV2 on your photos, with honest timing.",
    ),
    (
        "pages/on_a_phone.py",
        "On a phone (int8)",
        ":material/smartphone:",
        "The same network in 8-bit integers: 4× smaller, faster, and why depthwise layers need "
        "per-channel scales.",
    ),
    (
        "pages/class_questions.py",
        "Class questions",
        ":material/quiz:",
        "Ask the class a question computed by the app; answers from phones, live on the projector.",
    ),
)
INTRO = """
**MobileNets** are convolutional networks built to run fast on phones. Their trick is the
**depthwise separable convolution**: instead of one big filter that looks at every input channel
at once, a *depthwise* step filters each channel on its own and a cheap *pointwise* (1×1) step mixes
the channels. For a 3×3 layer that is **8–9× fewer multiply-adds** for a small loss of accuracy
(Howard et al., 2017, arXiv:1704.04861).

**MobileNetV2** (Sandler et al., 2018, arXiv:1801.04381) stacks these into **inverted residual
blocks**: a thin bottleneck is *expanded*, filtered depthwise, and *projected* back down by a
**linear** 1×1 conv, with a shortcut between the thin ends.
"""

st.title("MobileNet Lab")
st.caption(
    "An interactive companion to the MobileNet papers (V1, V2, V3): every cost is computed by the "
    "app's library and checked against PyTorch in its tests; every timing is measured when asked."
)
controls, visual = stage.frame(label=":material/menu_book: **Notation**")
with controls, st.expander("The two papers name things differently", expanded=False):
    st.markdown(glossary_markdown())
compact = presenter.is_on()
with visual:
    st.markdown("**Pick a page to explore:**")
    for column, links in zip(st.columns(2), (LINKS[:4], LINKS[4:]), strict=True):
        with column:
            for page, label, icon, what in links:
                # on the projector the links fit one screen: what each page shows is its tooltip
                st.page_link(page, label=label, icon=icon, help=what if compact else None)
                if not compact:
                    st.caption(what)
st.subheader("What MobileNets are")
st.markdown(INTRO)
