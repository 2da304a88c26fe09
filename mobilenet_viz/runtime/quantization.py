"""Post-training static int8 quantization of the loaded MobileNetV2 (and what it does, in numbers).

Scheme (Jacob et al., "Quantization and Training of Neural Networks for Efficient Integer-Arithmetic-
Only Inference", arXiv:1712.05877v1, section 2; Krishnamoorthi, "Quantizing deep convolutional
networks for efficient inference: A whitepaper", arXiv:1806.08342v1, section 2): a real value r is
stored as an 8-bit integer q with r = s * (q - z) (scale s, zero point z). A convolution multiplies
int8 by int8 and accumulates in int32, acc = sum_k (q_x[k] - z_x) * q_w[k] + q_b; the result is
requantized to the output's scale, q_y = clamp(round(s_x * s_w / s_y * acc) + z_y, 0, 255).

Engine: ONNX Runtime's ``quantize_static`` on the ``torch.onnx.export`` of the model (BatchNorm
folded into the convs by the exporter): QDQ format, activations uint8 per tensor (asymmetric,
min/max over the calibration images), weights int8 per output channel (symmetric, z_w = 0),
biases int32. ReLU6 costs nothing: the quantizer drops the Clip node and the output's range
[0, 6] is the uint8 range, so saturating to 0..255 is the clip.

Why ONNX Runtime and not torch.ao's FX x86 backend (``prepare_fx``/``convert_fx``): on this
project's CPU ORT's int8 model was both faster and closer to fp32 (``benchmarks/inference_engines.py
--torch-ao --accuracy-photos`` prints both; the README's "On a phone" section records a run), and
torch warns that ``torch.ao.quantization`` "is deprecated and will be removed" (its successor,
torchao, is a separate package, not installed). ORT's MLAS has uint8 x int8 kernels that use
AVX-512 VNNI (``vpdpbusd``) when CPUID reports it; int8 activations (s8s8) measured slower than
uint8 (u8s8), so activations are uint8.

Calibration: the bundled sample photos (:mod:`mobilenet_viz.inputs.samples`) in four deterministic views
each (the preprocessed centre crop, its mirror image, and 80% crops from the top-left and the
bottom-right corner): 32 images for the 8 samples. :func:`quantized` caches the result per
weights hash (a SHA-256 of the state_dict) for the life of the process.

Kept in float (:data:`KEEP_FLOAT`): the first inverted-residual block only (``features.1``:
depthwise 3x3 on 32 channels + 1x1 projection to 16; 800 weights, 3.3% of the MACs). A sweep that
keeps one block at a time in float (``benchmarks/quantization_sensitivity.py``, calibration images
only, not the test photos) found it the one block that matters: keeping it in float lowers the
mean KL divergence from fp32 on the calibration images far more than keeping any other block (or
the classifier) in float (the README's "On a phone" section records the numbers). (Its depthwise
layer is also the only one with a channel that one per-tensor scale would round to all zeros,
:func:`channel_ranges`; its weights are per-channel here, so that alone does not explain it.)
It costs a little speed: the float block needs its own Dequantize/Quantize around it and runs the
fp32 kernels (``benchmarks/inference_engines.py`` measures int8 against fp32).
"""

from __future__ import annotations

import copy
import hashlib
import io
import logging
import tempfile
import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from mobilenet_viz.inputs.images import decode_image
from mobilenet_viz.inputs.samples import list_samples
from mobilenet_viz.runtime.engines import export_onnx, onnx_available
from mobilenet_viz.runtime.weights import LoadedModel

KEEP_FLOAT = ("features.1.",)
CROP_FRACTION = 0.8
CALIBRATION_VIEWS = ("centre crop", "mirrored", "top-left 80% crop", "bottom-right 80% crop")
UINT8 = (0, 255)
INT8_SYMMETRIC = 127  # symmetric int8 weights use -127..127 (z_w = 0)
CACHE_ENTRIES = 2


class QuantizationUnavailable(RuntimeError):
    """onnxruntime (or its quantization tools) is missing; the message says what to install."""


# --- weights identity and calibration data -------------------------------------------------------


_HASHES: weakref.WeakKeyDictionary = (
    weakref.WeakKeyDictionary()
)  # model -> hash (models are read-only)


def weights_hash(model: nn.Module) -> str:
    """SHA-256 over the state_dict's names, shapes, dtypes and bytes: the cache key of a model
    (remembered per model object: the loaded models are never modified)."""
    known = _HASHES.get(model)
    if known is None:
        known = _HASHES[model] = _hash_state(model)
    return known


def _hash_state(model: nn.Module) -> str:
    digest = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        t = tensor.detach().cpu().contiguous()
        digest.update(f"{name}|{tuple(t.shape)}|{t.dtype}".encode())
        digest.update(
            t.numpy().tobytes() if t.dtype != torch.bfloat16 else t.float().numpy().tobytes()
        )
    return digest.hexdigest()


def calibration_views(loaded: LoadedModel, image) -> list[torch.Tensor]:
    """The :data:`CALIBRATION_VIEWS` of one RGB image, each preprocessed like a classified photo."""
    centre = loaded.transforms(image)
    width, height = image.size
    side = int(min(width, height) * CROP_FRACTION)
    top_left = loaded.transforms(image.crop((0, 0, side, side)))
    bottom_right = loaded.transforms(image.crop((width - side, height - side, width, height)))
    return [centre, torch.flip(centre, dims=[2]), top_left, bottom_right]


def calibration_set(loaded: LoadedModel) -> torch.Tensor:
    """[n, 3, 224, 224]: every bundled sample photo in every calibration view (deterministic)."""
    views = [
        v
        for s in list_samples()
        for v in calibration_views(loaded, decode_image(s.read_bytes()).image)
    ]
    if not views:
        raise QuantizationUnavailable("no sample photos in assets/samples to calibrate with")
    return torch.stack(views)


# --- the quantized model -------------------------------------------------------------------------


def torch_name(onnx_node_name: str) -> str:
    """'/features/features.1/conv/conv.0/conv.0.0/Conv' -> 'features.1.conv.0.0' (the module path)."""
    parts = [p for p in onnx_node_name.split("/") if p][:-1]
    name = ""
    previous = ""
    for part in parts:
        if previous and part.startswith(previous + "."):
            name += part[len(previous) :]
        elif not name.endswith(part):
            name = f"{name}.{part}" if name else part
        previous = part
    return name


@dataclass(frozen=True, eq=False)
class Int8Model:
    """An int8 MobileNetV2 as ONNX (QDQ) bytes, with the fp32 export it was made from."""

    int8_onnx: bytes = field(repr=False)
    fp32_onnx: bytes = field(repr=False)
    weights_hash: str
    calibration_images: int
    per_channel: bool
    keep_float: tuple[str, ...]
    build_s: float

    def session(self, threads: int | None = None, *, extra_outputs: Sequence[str] = ()):
        """An ONNX Runtime CPU session (``threads`` intra-op threads, default torch's count);
        ``extra_outputs`` exposes intermediate tensors (by name) as additional outputs."""
        import onnx
        import onnxruntime as ort

        data = self.int8_onnx
        if extra_outputs:
            model = onnx.load_from_string(data)
            for name in extra_outputs:
                model.graph.output.append(
                    onnx.helper.make_tensor_value_info(name, onnx.TensorProto.UINT8, None)
                )
            data = model.SerializeToString()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or torch.get_num_threads()
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        return ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])


class _Reader:
    """onnxruntime CalibrationDataReader over a tensor of images, one image per call."""

    def __init__(self, images: torch.Tensor):
        self._items = iter([{"image": images[i : i + 1].numpy()} for i in range(len(images))])

    def get_next(self):
        return next(self._items, None)


def quantize(
    loaded: LoadedModel,
    *,
    per_channel: bool = True,
    keep_float: Sequence[str] = KEEP_FLOAT,
    calibration: torch.Tensor | None = None,
) -> Int8Model:
    """Export ``loaded.model`` to ONNX and quantize it statically (uncached; see :func:`quantized`).

    ``keep_float``: module-path prefixes whose Conv/Gemm stay in float (``()`` = everything int8).
    ``calibration``: [n, 3, 224, 224] images (default :func:`calibration_set`).
    """
    if not onnx_available():
        raise QuantizationUnavailable(
            "the int8 engine needs onnx and onnxruntime (pip install onnxruntime onnx)"
        )
    import onnx
    from onnxruntime.quantization import (
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quant_pre_process,
        quantize_static,
    )

    start = time.perf_counter()
    images = calibration_set(loaded) if calibration is None else calibration
    fp32 = export_onnx(loaded.model)
    quiet = logging.getLogger().level
    logging.getLogger().setLevel(
        logging.ERROR
    )  # the quantizer logs advice at WARNING on the root logger
    try:
        with tempfile.TemporaryDirectory(prefix="mnl-int8-") as tmp:
            src, pre, out = Path(tmp, "fp32.onnx"), Path(tmp, "pre.onnx"), Path(tmp, "int8.onnx")
            src.write_bytes(fp32)
            quant_pre_process(str(src), str(pre), skip_symbolic_shape=True)
            graph = onnx.load(str(pre)).graph
            excluded = [
                n.name
                for n in graph.node
                if n.op_type in ("Conv", "Gemm")
                and any(f"{torch_name(n.name)}.".startswith(p) for p in keep_float)
            ]
            quantize_static(
                str(pre),
                str(out),
                _Reader(images),
                quant_format=QuantFormat.QDQ,
                per_channel=per_channel,
                activation_type=QuantType.QUInt8,
                weight_type=QuantType.QInt8,
                calibrate_method=CalibrationMethod.MinMax,
                nodes_to_exclude=excluded,
            )
            int8 = out.read_bytes()
    finally:
        logging.getLogger().setLevel(quiet)
    return Int8Model(
        int8,
        fp32,
        weights_hash(loaded.model),
        len(images),
        per_channel,
        tuple(keep_float),
        time.perf_counter() - start,
    )


_CACHE: dict[str, Int8Model] = {}
_CACHE_LOCK = threading.Lock()


def quantized(loaded: LoadedModel) -> Int8Model:
    """:func:`quantize` with the defaults, once per weights hash per process (thread-safe; the
    last :data:`CACHE_ENTRIES` models are kept)."""
    key = weights_hash(loaded.model) + "|" + loaded.preprocessing
    with _CACHE_LOCK:
        if key not in _CACHE:
            _CACHE[key] = quantize(loaded)
            while len(_CACHE) > CACHE_ENTRIES:
                _CACHE.pop(next(iter(_CACHE)))
        return _CACHE[key]


# --- size: where the 4x comes from ---------------------------------------------------------------

_DTYPE_BYTES = {
    1: 4,
    2: 1,
    3: 1,
    6: 4,
    7: 8,
    10: 2,
}  # onnx TensorProto: FLOAT, UINT8, INT8, INT32, INT64, FLOAT16


@dataclass(frozen=True)
class SizeRow:
    what: str
    count: int  # values
    bytes: int


def _initializers(onnx_bytes: bytes):
    import onnx

    return list(onnx.load_from_string(onnx_bytes).graph.initializer)


def size_breakdown(int8: Int8Model) -> dict[str, object]:
    """Bytes of the fp32 and int8 models, on disk (the ONNX files) and in memory (their constant
    tensors), and what the int8 bytes are: int8 weights, int32 biases, float scales, zero points,
    float layers kept in float."""
    import onnx

    def numel(t) -> int:
        return int(np.prod(t.dims)) if t.dims else 1

    fp32_mem = sum(
        numel(t) * _DTYPE_BYTES.get(t.data_type, 4) for t in _initializers(int8.fp32_onnx)
    )
    rows: dict[str, list[int]] = {}
    for t in _initializers(int8.int8_onnx):
        n = numel(t)
        if t.data_type == onnx.TensorProto.INT8 and t.name.endswith("_quantized"):
            kind = "int8 weights"
        elif t.data_type == onnx.TensorProto.INT32:
            kind = "int32 biases"
        elif t.name.endswith("_scale"):
            kind = "float32 scales"
        elif t.name.endswith("_zero_point"):
            kind = "zero points"
        elif t.data_type == onnx.TensorProto.FLOAT:
            kind = "float32 (layers kept in float, shapes)"
        else:
            kind = "other"
        entry = rows.setdefault(kind, [0, 0])
        entry[0] += n
        entry[1] += n * _DTYPE_BYTES.get(t.data_type, 4)
    parts = [SizeRow(k, c, b) for k, (c, b) in sorted(rows.items(), key=lambda kv: -kv[1][1])]
    int8_mem = sum(r.bytes for r in parts)
    return {
        "fp32_file": len(int8.fp32_onnx),
        "int8_file": len(int8.int8_onnx),
        "fp32_memory": fp32_mem,
        "int8_memory": int8_mem,
        "parts": parts,
    }


def state_dict_file_bytes(model: nn.Module) -> int:
    """Size of ``torch.save(model.state_dict())``: the .pth file the app loads."""
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return len(buffer.getvalue())


# --- one real layer, in integers ----------------------------------------------------------------


@dataclass(frozen=True)
class LayerQuant:
    """The quantization parameters of one Conv in the QDQ model, in its real numbers."""

    layer: str  # torch module path, e.g. 'features.2.conv.0.0'
    node: str
    input_q: str  # tensor holding the layer's uint8 input
    output_q: str  # tensor holding the layer's uint8 output
    s_x: float
    z_x: int
    s_w: np.ndarray  # [N] per output channel
    q_w: np.ndarray  # int8 [N, M/groups, D_K, D_K]
    q_b: np.ndarray  # int32 [N]
    s_y: float
    z_y: int


def _layer_quant(int8: Int8Model, layer: str) -> LayerQuant:
    import onnx
    from onnx import numpy_helper

    graph = onnx.load_from_string(int8.int8_onnx).graph
    init = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    producer = {o: n for n in graph.node for o in n.output}
    consumers: dict[str, list] = {}
    for n in graph.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    conv = next(
        (n for n in graph.node if n.op_type == "Conv" and torch_name(n.name) == layer), None
    )
    if conv is None:
        raise ValueError(f"no Conv named {layer} in the model")
    dq_x, dq_w = producer.get(conv.input[0]), producer.get(conv.input[1])
    if dq_x is None or dq_x.op_type != "DequantizeLinear" or dq_w.op_type != "DequantizeLinear":
        raise ValueError(f"{layer} is kept in float (see KEEP_FLOAT)")
    dq_b = producer[conv.input[2]]
    q_y = next(n for n in consumers[conv.output[0]] if n.op_type == "QuantizeLinear")
    return LayerQuant(
        layer=layer,
        node=conv.name,
        input_q=dq_x.input[0],
        output_q=q_y.output[0],
        s_x=float(init[dq_x.input[1]]),
        z_x=int(init[dq_x.input[2]]),
        s_w=np.asarray(init[dq_w.input[1]], dtype=np.float32).reshape(-1),
        q_w=init[dq_w.input[0]],
        q_b=init[dq_b.input[0]].astype(np.int64),
        s_y=float(init[q_y.input[1]]),
        z_y=int(init[q_y.input[2]]),
    )


@dataclass(frozen=True)
class PixelWalkthrough:
    """One output value of a 1x1 conv computed in integers, step by step, next to ORT's and fp32's."""

    quant: LayerQuant = field(repr=False)
    channel: int  # n
    y: int
    x: int
    q_x: np.ndarray  # uint8 [M] the inputs at (y, x)
    q_w: np.ndarray  # int8 [M] the weights of channel n
    products: np.ndarray  # int32 [M] (q_x - z_x) * q_w
    acc: int  # sum(products) + q_b
    multiplier: float  # M = s_x * s_w[n] / s_y
    multiplier_m0: float  # M = m0 * 2**-shift, m0 in [0.5, 1)
    multiplier_shift: int
    q_y: int  # clamp(round(M * acc) + z_y, 0, 255)
    q_y_runtime: int  # what ONNX Runtime's int8 model produced at the same place
    y_int8: float  # s_y * (q_y - z_y)
    y_fp32: float  # the float model's value at the same place

    @property
    def bias(self) -> int:
        return int(self.quant.q_b[self.channel])


def pointwise_layers(int8: Int8Model) -> list[str]:
    """Names of the quantized 1x1 convolutions (the layers :func:`walk_pixel` can explain)."""
    import onnx

    graph = onnx.load_from_string(int8.int8_onnx).graph
    shapes = {t.name: tuple(t.dims) for t in graph.initializer}
    out = []
    for n in graph.node:
        if n.op_type == "Conv":
            weight = n.input[1].removesuffix("_DequantizeLinear_Output") + "_quantized"
            if shapes.get(weight, (0, 0, 0, 0))[2:] == (1, 1):
                out.append(torch_name(n.name))
    return out


def walk_pixel(
    loaded: LoadedModel,
    int8: Int8Model,
    image: torch.Tensor,
    layer: str,
    channel: int,
    y: int,
    x: int,
) -> PixelWalkthrough:
    """Recompute output (``channel``, ``y``, ``x``) of the 1x1 conv ``layer`` from the int8 model's
    own uint8 input, int8 weights and int32 bias, and read ORT's value and the fp32 value there.
    ``image``: one preprocessed [3, 224, 224] tensor. Runs the model once: hold the inference slot."""
    q = _layer_quant(int8, layer)
    if q.q_w.shape[2:] != (1, 1):
        raise ValueError(f"{layer} is not a 1x1 convolution")
    session = int8.session(1, extra_outputs=(q.input_q, q.output_q))
    batch = image.unsqueeze(0).numpy().astype(np.float32)
    _, x_q, y_q = session.run(["logits", q.input_q, q.output_q], {"image": batch})
    n_out, height, width = y_q.shape[1:]
    if not (0 <= channel < n_out and 0 <= y < height and 0 <= x < width):
        raise ValueError(
            f"{layer} has {n_out} channels of {height}x{width}; ({channel}, {y}, {x}) is outside"
        )
    inputs = x_q[0, :, y, x].astype(np.int64)
    weights = q.q_w[channel, :, 0, 0].astype(np.int64)
    products = (inputs - q.z_x) * weights
    acc = int(products.sum() + q.q_b[channel])
    multiplier = q.s_x * float(q.s_w[channel]) / q.s_y
    m0, exponent = np.frexp(multiplier)  # multiplier = m0 * 2**exponent, 0.5 <= m0 < 1
    q_y = int(np.clip(np.rint(multiplier * acc) + q.z_y, *UINT8))
    captured = {}
    private = copy.deepcopy(loaded.model)  # the shared model gets no hooks
    module = dict(private.named_modules())[layer.rsplit(".", 1)[0]]  # conv + BN (+ ReLU6)
    module.register_forward_hook(lambda m, i, o: captured.setdefault("y", o.detach()))
    with torch.inference_mode():
        private(image.unsqueeze(0))
    return PixelWalkthrough(
        quant=q,
        channel=channel,
        y=y,
        x=x,
        q_x=inputs.astype(np.uint8),
        q_w=weights.astype(np.int8),
        products=products,
        acc=acc,
        multiplier=multiplier,
        multiplier_m0=float(m0),
        multiplier_shift=int(-exponent),
        q_y=q_y,
        q_y_runtime=int(y_q[0, channel, y, x]),
        y_int8=q.s_y * (q_y - q.z_y),
        y_fp32=float(captured["y"][0, channel, y, x]),
    )


# --- per-tensor vs per-channel weights ----------------------------------------------------------


def folded_weight(model: nn.Module, layer: str) -> torch.Tensor:
    """The conv weight ``layer`` with its BatchNorm folded in, W * gamma / sqrt(var + eps): what an
    inference engine quantizes (Jacob et al. 2018, arXiv:1712.05877v1, section 3.2)."""
    modules = dict(model.named_modules())
    conv = modules[layer]
    parent = modules[layer.rsplit(".", 1)[0]]
    children = list(parent.children())
    bn = children[children.index(conv) + 1] if children.index(conv) + 1 < len(children) else None
    weight = conv.weight.detach().float()
    if isinstance(bn, nn.BatchNorm2d):
        weight = weight * (bn.weight.detach() / torch.sqrt(bn.running_var + bn.eps)).view(
            -1, 1, 1, 1
        )
    return weight


def fake_quantize(weight: torch.Tensor, per_channel: bool) -> torch.Tensor:
    """Symmetric int8 round trip: s = max|W| / 127 (per output channel or for the whole tensor),
    W_q = s * clamp(round(W / s), -127, 127) (Krishnamoorthi 2018, arXiv:1806.08342v1, 2.1-2.2)."""
    dims = tuple(range(1, weight.dim()))
    top = weight.abs().amax(dim=dims, keepdim=True) if per_channel else weight.abs().max()
    scale = torch.clamp(top, min=1e-12) / INT8_SYMMETRIC
    return torch.clamp(torch.round(weight / scale), -INT8_SYMMETRIC, INT8_SYMMETRIC) * scale


def quantization_sqnr_db(weight: torch.Tensor, per_channel: bool) -> float:
    """Signal-to-quantization-noise ratio of :func:`fake_quantize`, 10 log10(sum W^2 / sum (W - W_q)^2)."""
    error = (weight - fake_quantize(weight, per_channel)).pow(2).sum().item()
    return float("inf") if error == 0 else 10 * np.log10(weight.pow(2).sum().item() / error)


@dataclass(frozen=True)
class ChannelRanges:
    layer: str
    kind: str  # "depthwise" or "pointwise"
    max_abs: np.ndarray  # [N] max |W| per output channel (BN folded)
    sqnr_per_tensor_db: float
    sqnr_per_channel_db: float

    @property
    def spread(self) -> float:
        """Largest / smallest channel range (how many times wider the widest channel is)."""
        return float(self.max_abs.max() / max(self.max_abs.min(), 1e-12))

    @property
    def zero_channels_per_tensor(self) -> int:
        """Channels whose every weight rounds to 0 with one per-tensor scale."""
        return int((self.max_abs < self.max_abs.max() / INT8_SYMMETRIC / 2).sum())


def block_layers(block: int) -> tuple[str, str]:
    """(depthwise conv, 1x1 projection conv) of MobileNetV2's ``features.<block>`` (1..17)."""
    if not 1 <= block <= 17:
        raise ValueError(f"MobileNetV2 has inverted-residual blocks 1..17, got {block}")
    if block == 1:  # t = 1: no expansion conv
        return "features.1.conv.0.0", "features.1.conv.1"
    return f"features.{block}.conv.1.0", f"features.{block}.conv.2"


def channel_ranges(model: nn.Module, layer: str) -> ChannelRanges:
    weight = folded_weight(model, layer)
    conv = dict(model.named_modules())[layer]
    kind = "depthwise" if conv.groups == conv.in_channels and conv.groups > 1 else "pointwise"
    return ChannelRanges(
        layer,
        kind,
        weight.abs().amax(dim=(1, 2, 3)).numpy(),
        quantization_sqnr_db(weight, False),
        quantization_sqnr_db(weight, True),
    )


def _folded_copy(model: nn.Module) -> nn.Module:
    """A float copy with every BatchNorm folded into the conv before it (same function)."""
    folded = copy.deepcopy(model).eval()
    for module in list(folded.modules()):
        children = list(module.named_children())
        for (cname, child), (bname, nxt) in zip(children, children[1:], strict=False):
            if isinstance(child, nn.Conv2d) and isinstance(nxt, nn.BatchNorm2d):
                setattr(module, cname, torch.nn.utils.fusion.fuse_conv_bn_eval(child, nxt))
                setattr(module, bname, nn.Identity())
    return folded


def depthwise_convs(model: nn.Module) -> list[str]:
    return [
        n
        for n, m in model.named_modules()
        if isinstance(m, nn.Conv2d) and m.groups > 1 and m.groups == m.in_channels
    ]


@dataclass(frozen=True)
class WeightQuantTrial:
    """Predictions of the float model with only its depthwise weights quantized, per image."""

    names: list[str]
    fp32_top1: list[int]
    fp32_prob: list[float]  # probability of the fp32 top-1 class
    per_tensor_top1: list[int]
    per_tensor_prob: list[float]  # per-tensor model's probability of *its* top-1
    per_channel_top1: list[int]
    per_channel_prob: list[float]
    per_tensor_kl: list[float]  # KL(fp32 || quantized) per image
    per_channel_kl: list[float]

    def agreement(self, which: str) -> int:
        top = self.per_tensor_top1 if which == "per_tensor" else self.per_channel_top1
        return sum(a == b for a, b in zip(top, self.fp32_top1, strict=True))


def kl_divergence(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """KL(p || q) = sum p (log p - log q) per row, in nats (probabilities clamped at 1e-12)."""
    return (p * (p.clamp_min(1e-12).log() - q.clamp_min(1e-12).log())).sum(dim=-1)


def depthwise_weight_trial(
    model: nn.Module, names: Sequence[str], images: torch.Tensor
) -> WeightQuantTrial:
    """Quantize the weights of all 17 depthwise convs (BN folded) per tensor, then per channel,
    everything else float; classify ``images`` [n, 3, 224, 224] with each (the weight-only
    experiment of Krishnamoorthi 2018, arXiv:1806.08342v1, section 3.1). Hold the inference slot."""
    folded = _folded_copy(model)
    variants = {}
    for per_channel in (False, True):
        variant = copy.deepcopy(folded)
        modules = dict(variant.named_modules())
        with torch.no_grad():
            for layer in depthwise_convs(variant):
                modules[layer].weight.copy_(fake_quantize(modules[layer].weight, per_channel))
        variants[per_channel] = variant
    with torch.inference_mode():
        ref = torch.softmax(model(images), dim=1)
        pt = torch.softmax(variants[False](images), dim=1)
        pc = torch.softmax(variants[True](images), dim=1)
    return WeightQuantTrial(
        names=list(names),
        fp32_top1=ref.argmax(1).tolist(),
        fp32_prob=ref.max(1).values.tolist(),
        per_tensor_top1=pt.argmax(1).tolist(),
        per_tensor_prob=pt.max(1).values.tolist(),
        per_channel_top1=pc.argmax(1).tolist(),
        per_channel_prob=pc.max(1).values.tolist(),
        per_tensor_kl=kl_divergence(ref, pt).tolist(),
        per_channel_kl=kl_divergence(ref, pc).tolist(),
    )


# --- agreement of the int8 engine with fp32 -----------------------------------------------------


@dataclass(frozen=True)
class Agreement:
    top1_equal: list[bool]
    mean_abs_prob_diff: float  # mean over images and all 1000 classes of |p_int8 - p_fp32|
    kl: list[float]  # KL(fp32 || int8) per image, nats

    @property
    def mean_kl(self) -> float:
        return float(np.mean(self.kl))


def agreement(fp32_logits: torch.Tensor, int8_logits: torch.Tensor) -> Agreement:
    p, q = torch.softmax(fp32_logits.float(), 1), torch.softmax(int8_logits.float(), 1)
    return Agreement(
        (p.argmax(1) == q.argmax(1)).tolist(),
        float((p - q).abs().mean()),
        kl_divergence(p, q).tolist(),
    )


# --- speed: fp32 eager / fp32 ONNX Runtime / int8 side by side ----------------------------------

SPEED_ENGINES = ("eager", "onnx", "int8")


@dataclass(frozen=True)
class SpeedRow:
    engine: str
    title: str
    batch1_ms: float  # median latency, one image
    batch1_p90_ms: float
    batch_size: int
    batch_ms: float  # median latency of one batch of ``batch_size``
    images_per_s: float  # batch_size / batch_ms
    gops: float  # achieved 2 x MACs / batch-1 median, in G(FL)OP/s (int8 ops for int8)
    threads: int


def speed_comparison(
    engines,
    tensor: torch.Tensor,
    *,
    macs: int,
    runs: int = 20,
    batch_size: int = 8,
    rounds: int = 4,
) -> list[SpeedRow]:
    """Batch-1 latency and batch-``batch_size`` throughput of :data:`SPEED_ENGINES` for one
    preprocessed image ``tensor`` [3, 224, 224], timed round-robin (``rounds`` turns each, so a
    load change hits all engines alike) under one inference slot, with torch's thread count."""
    from mobilenet_viz.runtime.serving import inference_slot
    from mobilenet_viz.runtime.timing import achieved_gflops, check_settings, percentile, time_runs

    check_settings(1, runs, 0)
    built = {
        name: engines.get(name) for name in SPEED_ENGINES
    }  # builds (and quantizes) outside the slot
    one = tensor.unsqueeze(0)
    many = tensor.unsqueeze(0).expand(batch_size, -1, -1, -1).contiguous()
    per_round = max(1, runs // rounds)
    batch_runs = max(1, per_round // 2)
    single: dict[str, list[float]] = {n: [] for n in built}
    batched: dict[str, list[float]] = {n: [] for n in built}
    with inference_slot():
        for turn in range(rounds):
            for name, engine in built.items():
                times, _ = time_runs(engine, one, per_round, 2 if turn == 0 else 0)
                single[name] += times
                times, _ = time_runs(engine, many, batch_runs, 1 if turn == 0 else 0)
                batched[name] += times
    rows = []
    for name, engine in built.items():
        b1 = float(np.median(single[name]))
        bn = float(np.median(batched[name]))
        rows.append(
            SpeedRow(
                name,
                engine.title,
                b1,
                percentile(single[name], 90),
                batch_size,
                bn,
                batch_size / (bn / 1e3),
                achieved_gflops(macs, 1, b1 / 1e3),
                engine.threads,
            )
        )
    return rows


def pointwise_shapes() -> dict[str, tuple[int, int, int, int]]:
    """Every 1x1 conv of MobileNetV2 at 224x224 -> (M, N, H, W) of its input channels, output
    channels and output size (forward hooks on a fresh torchvision model, not the shared one)."""
    from torchvision.models import mobilenet_v2

    model = mobilenet_v2(weights=None).eval()
    shapes: dict[str, tuple[int, int, int, int]] = {}
    for name, module in model.named_modules():
        if isinstance(module, nn.Conv2d) and module.kernel_size == (1, 1):
            module.register_forward_hook(
                lambda m, i, o, name=name: shapes.__setitem__(
                    name, (m.in_channels, m.out_channels, o.shape[2], o.shape[3])
                )
            )
    with torch.inference_mode():
        model(torch.zeros(1, 3, 224, 224))
    return shapes


# MobileNetV2 on a phone, as published: Sandler et al. 2018, arXiv:1801.04381v4, Table 4 (one large
# core of a Google Pixel 1, TF-Lite, float): 300M multiply-adds in 75 ms.
PHONE_REFERENCE = {
    "ms": 75.0,
    "macs": 300_000_000,
    "source": "MobileNetV2 (arXiv:1801.04381v4) Table 4: "
    "one large core of a Google Pixel 1 phone, TF-Lite, float",
}


def kept_float_macs(keep_float: Sequence[str] = KEEP_FLOAT) -> int:
    """MACs (conv + FC multiply-accumulates, one 224x224 image) of the layers :data:`KEEP_FLOAT`
    leaves in float: N x D_O^2 x (M / groups) x D_K^2 per conv, in x out per FC (forward hooks
    on a fresh torchvision model)."""
    from torchvision.models import mobilenet_v2

    model = mobilenet_v2(weights=None).eval()
    total = [0]
    for name, module in model.named_modules():
        if any(f"{name}.".startswith(p) for p in keep_float) and isinstance(
            module, (nn.Conv2d, nn.Linear)
        ):

            def count(m, i, o):
                if isinstance(m, nn.Conv2d):
                    total[0] += (
                        o.numel()
                        * (m.in_channels // m.groups)
                        * m.kernel_size[0]
                        * m.kernel_size[1]
                    )
                else:
                    total[0] += m.in_features * m.out_features

            module.register_forward_hook(count)
    with torch.inference_mode():
        model(torch.zeros(1, 3, 224, 224))
    return total[0]
