"""One notation across the app: the papers' symbols and how they map onto each other.

MobileNets (arXiv:1704.04861v1, section 3.1) writes a layer as D_F x D_F x M -> D_F x D_F x N with
a D_K x D_K kernel; MobileNetV2 (arXiv:1801.04381v4, Table 1) writes a block as h x w x k ->
h/s x w/s x k' with expansion t, so the block's 1x1 expansion is a pointwise conv with M = k,
N = t*k, its depthwise conv has M = t*k channels, and its projection has M = t*k, N = k'. The
linear-bottleneck demo (V2 section 3.2, Figure 1) embeds a 2-D manifold into n dimensions: n
plays the part of the width of the layer ReLU acts on, t*k inside a block, k at a bottleneck.
"""

from __future__ import annotations

# symbol, meaning, where it is used, the same quantity in the other paper's notation
GLOSSARY: tuple[tuple[str, str, str, str], ...] = (
    (
        "D_F",
        "input feature-map height = width (px)",
        "V1 §3.1; separable page",
        "h = w in V2 Table 1",
    ),
    (
        "D_O",
        "output size ⌊(D_F + 2p − D_K)/s⌋ + 1",
        "this app (the papers assume D_O = D_F)",
        "h/s in V2",
    ),
    ("D_K", "kernel height = width", "V1 §3.1", "the 3×3 (k × k) depthwise kernel in V2 §3.3"),
    (
        "M",
        "input channels of one conv layer",
        "V1 §3.1",
        "k at a V2 block's input; t·k into the depthwise",
    ),
    (
        "N",
        "output channels of one conv layer",
        "V1 §3.1",
        "t·k out of the expansion; k′ out of the projection",
    ),
    (
        "k, k′ (d′, d″)",
        "a V2 block's input / output channels",
        "V2 Table 1 (§3.3 writes d′, d″)",
        "M of the expansion, N of the projection",
    ),
    (
        "t",
        "expansion factor: the block's inner width is t·k",
        "V2 Table 1",
        "N / M of the expansion conv",
    ),
    (
        "t (§5.1)",
        "number of channel groups when streaming a block",
        "V2 §5.1 (same letter!)",
        "not the expansion factor",
    ),
    (
        "C",
        "channels of a tensor C×H×W, any layer",
        "architectures page, V3",
        "M or N depending on the side",
    ),
    ("s", "stride", "V1 Table 1, V2 Table 2", ""),
    ("α", "width multiplier: channels C → αC", "V1 §3.3", "V2/V3 round αC to a multiple of 8"),
    (
        "ρ",
        "resolution multiplier: D_F → ρD_F",
        "V1 §3.4",
        "given as input size (224, 192, 160, 128)",
    ),
    (
        "n",
        "dimensions of the ReLU layer in the spiral demo",
        "V2 Figure 1",
        "t·k inside a block, k at a bottleneck",
    ),
)


def spiral_link(n: int, in_channels: int, expansion: int) -> str:
    """Tie the demo's n to the block on screen: where does a ReLU of width n sit, k or t*k?"""
    wide = in_channels * expansion
    if n <= in_channels:
        where = f"no wider than this block's bottleneck k = {in_channels}, where MobileNetV2 uses no ReLU"
    elif n < wide:
        where = (
            f"between this block's bottleneck k = {in_channels} and its expanded width t·k = {wide}"
        )
    else:
        where = (
            f"at least this block's expanded width t·k = {wide}, where MobileNetV2 applies ReLU6"
        )
    return (
        f"The demo's n is the width of the layer ReLU acts on. In the block configured above, ReLU6 acts on "
        f"t·k = {expansion}·{in_channels} = {wide} channels and the bottleneck has k = {in_channels}: "
        f"n = {n} is {where}."
    )


def glossary_markdown() -> str:
    """The glossary as a Markdown table (static text, nothing user-supplied)."""
    lines = ["| symbol | meaning | where | in the other notation |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in GLOSSARY]
    return "\n".join(lines)
