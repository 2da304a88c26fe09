"""The separable-conv cost formulas as text: LaTeX with the user's numbers, PyTorch code, CSV.

Formulas from Howard et al., "MobileNets", arXiv:1704.04861, section 3.1 (eqs. 2, 3, 5 and the
ratio below eq. 5). The spatial size substituted is the output size D_O (see costs.py).
"""

from __future__ import annotations

from mobilenet_viz.analytic.costs import ConvComparison, grouped_conv_cost
from mobilenet_viz.tables import rows_to_csv


def latex_int(value: int) -> str:
    """A LaTeX number with thin-space thousands separators: 462{,}422{,}016."""
    return f"{value:,}".replace(",", "{,}")


def _spatial_symbol(c: ConvComparison) -> str:
    return "D_F" if c.output_size == c.input_size else "D_O"


def standard_latex(c: ConvComparison) -> list[str]:
    """Standard conv cost, symbolic then substituted (MobileNets eq. 2)."""
    d = _spatial_symbol(c)
    k, m, n, o = c.config.kernel, c.in_channels, c.out_channels, c.output_size
    return [
        rf"\text{{standard}} = D_K \cdot D_K \cdot M \cdot N \cdot {d} \cdot {d}",
        rf"= {k} \cdot {k} \cdot {m} \cdot {n} \cdot {o} \cdot {o} = {latex_int(c.standard.macs)}\ \text{{MACs}}",
    ]


def separable_latex(c: ConvComparison) -> list[str]:
    """Depthwise + pointwise cost, symbolic then substituted (MobileNets eq. 5)."""
    d = _spatial_symbol(c)
    k, m, n, o = c.config.kernel, c.in_channels, c.out_channels, c.output_size
    return [
        rf"\text{{separable}} = \underbrace{{D_K \cdot D_K \cdot M \cdot {d} \cdot {d}}}_{{\text{{depthwise}}}}"
        rf" + \underbrace{{M \cdot N \cdot {d} \cdot {d}}}_{{\text{{pointwise}}}}",
        rf"= {k} \cdot {k} \cdot {m} \cdot {o} \cdot {o} + {m} \cdot {n} \cdot {o} \cdot {o}"
        rf" = {latex_int(c.depthwise.macs)} + {latex_int(c.pointwise.macs)} = {latex_int(c.separable.macs)}\ \text{{MACs}}",
    ]


def ratio_latex(c: ConvComparison) -> list[str]:
    """The reduction, step by step to 1/N + 1/D_K^2 (MobileNets section 3.1)."""
    d = _spatial_symbol(c)
    k, n = c.config.kernel, c.out_channels
    return [
        rf"\frac{{\text{{separable}}}}{{\text{{standard}}}} = "
        rf"\frac{{D_K^2 M {d}^2 + M N {d}^2}}{{D_K^2 M N {d}^2}} = \frac{{1}}{{N}} + \frac{{1}}{{D_K^2}}",
        rf"= \frac{{1}}{{{n}}} + \frac{{1}}{{{k}^2}} = {1 / n:.5f} + {1 / k**2:.5f} = {c.paper_ratio:.5f}"
        rf" \quad\Rightarrow\quad {c.saving:.2f}\times \text{{ fewer MACs}}",
    ]


def params_latex(c: ConvComparison) -> list[str]:
    """Weights: D_K^2 M N for the standard conv vs D_K^2 M + M N (no bias, no BN)."""
    k, m, n = c.config.kernel, c.in_channels, c.out_channels
    return [
        rf"\text{{params}}_\text{{standard}} = D_K^2 M N = {k}^2 \cdot {m} \cdot {n} = {latex_int(c.standard.params)}",
        rf"\text{{params}}_\text{{separable}} = D_K^2 M + M N = {k}^2 \cdot {m} + {m} \cdot {n} = {latex_int(c.separable.params)}",
    ]


def multipliers_latex(c: ConvComparison) -> str | None:
    """What alpha and rho did to M, N and D_F (MobileNets section 3.3-3.4); None if both are 1."""
    cfg = c.config
    if cfg.alpha == 1 and cfg.rho == 1:
        return None
    m = (
        rf"M = {cfg.in_channels}\ \text{{(image colours, kept)}}"
        if cfg.image_input
        else rf"M = {cfg.in_channels} \to {c.in_channels}"
    )
    return (
        rf"\alpha = {cfg.alpha:g}:\ {m},\ N = {cfg.out_channels} \to {c.out_channels}"
        rf"\qquad \rho = {cfg.rho:g}:\ D_F = {cfg.input_size} \to {c.input_size}"
    )


def output_size_note(c: ConvComparison) -> str | None:
    """Why the costs use D_O, or None when D_O = D_F.

    The paper's formulas (eq. 2, 5) are written for stride 1 with "same" padding, where
    D_O = D_F. Otherwise D_O = floor((D_F + 2p - D_K)/s) + 1 and the formula with D_F
    overstates the cost when D_O < D_F (stride 2, little padding) and understates it when
    D_O > D_F (an even kernel with D_K // 2 padding, or padding larger than D_K // 2).
    """
    d_f, d_o = c.input_size, c.output_size
    if d_o == d_f:
        return None
    way = "overstate" if d_o < d_f else "understate"
    return (
        f"D_O = ⌊(D_F + 2p − D_K)/s⌋ + 1 = ⌊({d_f} + 2·{c.padding} − {c.config.kernel})/{c.config.stride}⌋ + 1 "
        f"= {d_o}: every term is costed at the output size, so the paper's stride-1 formula with "
        f"D_F = {d_f} would {way} it ({(d_f / d_o) ** 2:.2f}× the true count); the ratio is unchanged"
    )


def padding_note(c: ConvComparison) -> str | None:
    """For an even kernel with D_K // 2 padding: no symmetric padding keeps the size, say so."""
    if c.config.padding is not None or c.config.kernel % 2:
        return None
    k, d_f = c.config.kernel, c.input_size
    here = f" ({d_f}×{d_f} → {d_f + 1}×{d_f + 1} here)" if c.config.stride == 1 else ""
    return (
        f"An even kernel has no centre: padding D_K // 2 = {k // 2} on both sides makes D_O = D_F + 1 at "
        f"stride 1{here}. Keeping the size needs {k - 1} padded pixel{'s' if k > 2 else ''} in all, "
        f"{(k - 1) // 2} on one side and {k // 2} on the other (padding='same' in TensorFlow and torch), "
        "which one symmetric p cannot express."
    )


def pytorch_code(c: ConvComparison, groups: int = 1) -> str:
    """Runnable PyTorch for the configured layer: standard, separable and grouped variants."""
    cfg = c.config
    k, s, p, m, n = cfg.kernel, cfg.stride, c.padding, c.in_channels, c.out_channels
    return f"""import torch
from torch import nn

x = torch.randn(1, {m}, {c.input_size}, {c.input_size})  # batch, M channels, D_F x D_F

# Standard convolution: N filters of size {k}x{k}x{m}
standard = nn.Conv2d({m}, {n}, kernel_size={k}, stride={s}, padding={p}, bias=False)

# Depthwise separable: one {k}x{k} filter per channel, then a 1x1 conv mixes channels
separable = nn.Sequential(
    nn.Conv2d({m}, {m}, kernel_size={k}, stride={s}, padding={p}, groups={m}, bias=False),  # depthwise
    nn.Conv2d({m}, {n}, kernel_size=1, bias=False),  # pointwise
)

# Grouped convolution in between: {groups} group(s) of {m // groups} input channels each
grouped = nn.Conv2d({m}, {n}, kernel_size={k}, stride={s}, padding={p}, groups={groups}, bias=False)

print(standard(x).shape, separable(x).shape)  # both torch.Size([1, {n}, {c.output_size}, {c.output_size}])
print(sum(p.numel() for p in standard.parameters()), sum(p.numel() for p in separable.parameters()))
# {c.standard.params} {c.separable.params}
"""


def cost_table_csv(c: ConvComparison, groups: int = 1) -> str:
    """The layer's cost table as CSV (MACs, FLOPs = 2 x MACs, params, output shape)."""
    shape_n = f"{c.out_channels}x{c.output_size}x{c.output_size}"
    shape_m = f"{c.in_channels}x{c.output_size}x{c.output_size}"
    grouped = grouped_conv_cost(
        c.in_channels, c.out_channels, c.config.kernel, c.output_size, groups
    )
    layers = (
        ("standard", c.standard, shape_n),
        ("depthwise", c.depthwise, shape_m),
        ("pointwise", c.pointwise, shape_n),
        ("separable (depthwise + pointwise)", c.separable, shape_n),
        (f"grouped (g={groups})", grouped, shape_n),
    )
    return rows_to_csv(
        [
            {"layer": n, "macs": x.macs, "flops": x.flops, "params": x.params, "output_shape": s}
            for n, x, s in layers
        ]
    )
