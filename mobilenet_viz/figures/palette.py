"""One colour per concept, for every figure of the app (plotly and the Graphviz diagram).

A concept keeps its colour on every page: a depthwise conv is blue wherever it is drawn, a
residual connection red, a linear (no activation) tensor amber. Figure modules take colours from
here and write none of their own (tests/unit/test_palette.py checks both). Layer-type and
activation colours are all different, because the block page draws both at once.
"""

from __future__ import annotations

# --- layer types (MobileNets Table 2's rows; architectures.LAYER_TYPES) ---------------------------
STANDARD = "#c2410c"  # standard conv: every filter spans all M input channels
DEPTHWISE = "#2563eb"  # depthwise conv: one D_K x D_K filter per channel
POINTWISE = "#0f766e"  # pointwise (1x1) conv, incl. V2's expansion and projection layers
SE = "#a21caf"  # squeeze-and-excite (V3)
FC = "#ca8a04"  # the classifier's fully connected layer
POOL = "#6b7280"  # global average pooling
OTHER = "#9ca3af"  # anything else (the profile's stem conv + FC)
LAYER_TYPES = {
    "standard conv": STANDARD,
    "depthwise": DEPTHWISE,
    "pointwise/1x1": POINTWISE,
    "SE": SE,
    "FC": FC,
    "pool": POOL,
}
RESIDUAL = "#dc2626"  # the skip connection of a residual block

# --- activations (the tensor a layer outputs) ---------------------------------------------------
ACTIVATIONS = {
    "ReLU6": "#7c3aed",
    "ReLU": "#0891b2",
    "linear": "#f59e0b",  # the linear bottleneck (MobileNetV2 section 3.2), hatched where drawn
    "h-swish": "#16a34a",
    "swish": "#4d7c0f",
    "sigmoid": "#e11d48",
    "hard-sigmoid": "#9f1239",
}

# --- the filters page's tensors ------------------------------------------------------------------
INPUT = "#475569"  # input feature maps
OUTPUT = "#15803d"  # output feature maps
HIGHLIGHT = "#ffcc00"  # the inspected pixel / the sliding window
HIGHLIGHT_FILL = "rgba(255,204,0,0.2)"

# --- quantities ----------------------------------------------------------------------------------
MACS = "#be185d"
PARAMS = "#0369a1"
MEMORY = "#92400e"  # activation memory (naive)
MEMORY_STREAMING = "#d97706"  # activation memory when the block is streamed (V2 section 5.1)
SIZE = "#1e40af"  # spatial size H = W
CHANNELS = "#9a3412"  # channel count C
REFERENCE = "#111827"  # a paper's point, a reference line (dashed)
LAW = "#6b7280"  # a formula's curve drawn beside the measurements (dashed)

# --- models, engines, timing steps ---------------------------------------------------------------
MODELS = {"v1": "#b45309", "v2": "#1d4ed8", "v3-large": "#047857", "v3-small": "#a21caf"}
ENGINES = {"eager": "#9ca3af", "optimized": "#b45309", "onnx": "#0f766e", "int8": "#f97316"}
STEPS = {
    "decode": "#a78bfa",
    "preprocess": "#60a5fa",
    "inference": "#f97316",
    "postprocess": "#34d399",
}
PROBABILITY = "#f97316"  # a class's softmax probability
QUANTIZATION = {  # the On a phone page's weight schemes
    "fp32": "#0f766e",
    "per-tensor int8": "#dc2626",
    "per-channel int8": "#2563eb",
}
INT8_PARTS = ("#f97316", "#fdba74", "#2563eb", "#93c5fd", "#9ca3af", "#6b7280")  # int8 model bytes
KERNELS = {3: "#1d4ed8", 5: "#b45309", 7: "#7c3aed"}  # D_K of the separable page's curves
KERNEL_OTHER = "#6b7280"

# --- answers, text, neutral ----------------------------------------------------------------------
CORRECT = "#1a7f37"
OPEN_ANSWER = "#4f46e5"  # every bar before the reveal: one colour, so it gives no answer away
WRONG = "#9aa4b2"
TEXT = "#111827"
OUTLINE = "#374151"  # slab outlines, arrows between tensors
MUTED = "#d1d5db"  # what is outside the current selection
BACKGROUND_BAR = "#cbd5e1"
TRACK = "#f1f5f9"  # the empty part of a light chart's bar (figures/html_charts.py)
SMALL_PRINT = "#4b5563"  # a light chart's notes and details
PANEL = "#eef2ff"  # diagram boxes
PANEL_EDGE = "#6366f1"
PANEL_WARM = "#fff7ed"  # the diagram's stem, last conv and classifier boxes
PANEL_INPUT = "#f1f5f9"
EDGE = "#64748b"  # diagram edges
TRANSPARENT = "rgba(0,0,0,0)"
LEGEND_BACKGROUND = "rgba(255,255,255,0.85)"
FILL_NEUTRAL = "#eeeeee"
# A light gray ramp for pixel intensities (black value labels stay legible on it), and the one
# diverging scale for signed values (weights, feature maps): negative blue, zero white, positive red.
GRAY_SCALE = [[0.0, "#7a7a7a"], [1.0, "#ffffff"]]
DIVERGING = "RdBu_r"

# Series without a concept of their own (photo 1 vs photo 2, a parameter's values), in order.
SERIES = ("#1e293b", "#db2777", "#65a30d", "#854d0e", "#64748b", "#0e7490")
