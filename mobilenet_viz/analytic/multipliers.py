"""Width multiplier alpha and resolution multiplier rho (MobileNets, arXiv:1704.04861v1, 3.3-3.4).

One layer's depthwise separable cost with both multipliers (eq. 7):

    D_K * D_K * alpha*M * rho*D_F * rho*D_F  +  alpha*M * alpha*N * rho*D_F * rho*D_F

The pointwise term, which holds almost all of the cost, scales with alpha^2 * rho^2, the depthwise
one with alpha * rho^2, so the cost falls "roughly by alpha^2" (section 3.3) and "by rho^2"
(section 3.4); the weights fall by alpha^2 and do not depend on rho. Channels are rounded as in
costs.scale_channels; an image's colour channels are not thinned (costs.ConvConfig.image_input).

``network_sweep`` applies the same to a whole network (architectures.build) and sets the published
ImageNet accuracy (published.py: V1 Tables 6 and 7) next to each computed point.
Pure arithmetic: no torch.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from mobilenet_viz.analytic import architectures, published
from mobilenet_viz.analytic.costs import ConvComparison, compare
from mobilenet_viz.analytic.formulas import latex_int

# MobileNets Table 6 (alpha at 224 px) and Table 7 (resolution at alpha = 1).
PAPER_ALPHAS = (0.25, 0.5, 0.75, 1.0)
PAPER_RESOLUTIONS = (128, 160, 192, 224)


def layer_latex(c: ConvComparison) -> list[str]:
    """Eq. 7 symbolic, then with the user's numbers, then against the same layer at alpha = rho = 1."""
    cfg = c.config
    k = cfg.kernel
    same_size = c.output_size == c.input_size
    d = r"\rho D_F" if same_size else r"D_O(\rho D_F)"
    am = "M" if cfg.image_input else r"\alpha M"
    base = compare(replace(cfg, alpha=1.0, rho=1.0))
    scale = c.separable.macs / base.separable.macs
    lines = [
        rf"D_K \cdot D_K \cdot {am} \cdot {d} \cdot {d} + {am} \cdot \alpha N \cdot {d} \cdot {d}",
        rf"= {k} \cdot {k} \cdot {c.in_channels} \cdot {c.output_size} \cdot {c.output_size}"
        rf" + {c.in_channels} \cdot {c.out_channels} \cdot {c.output_size} \cdot {c.output_size}",
        rf"= {latex_int(c.depthwise.macs)} + {latex_int(c.pointwise.macs)} = {latex_int(c.separable.macs)}\ \text{{MACs}}",
        rf"\frac{{\text{{cost}}(\alpha = {cfg.alpha:g},\ \rho = {cfg.rho:g})}}{{\text{{cost}}(1, 1)}} = "
        rf"\frac{{{latex_int(c.separable.macs)}}}{{{latex_int(base.separable.macs)}}} = {scale:.4f}"
        rf"\qquad \alpha^2 \rho^2 = {cfg.alpha**2 * cfg.rho**2:.4f}",
    ]
    return lines


@dataclass(frozen=True)
class SweepPoint:
    """One network at (alpha, resolution): computed cost, and the published accuracy if any."""

    model: str
    alpha: float
    resolution: int
    macs: int
    params: int  # every learnable number (sum(p.numel()))
    weights: int  # conv/FC weights only (the paper's count)
    top1: float | None  # published ImageNet top-1 %, None when not published
    source: str | None


def network_sweep(
    model: str = "v1",
    alphas: tuple[float, ...] = PAPER_ALPHAS,
    resolutions: tuple[int, ...] = PAPER_RESOLUTIONS,
) -> tuple[list[SweepPoint], list[SweepPoint]]:
    """(alpha sweep at the largest resolution, resolution sweep at alpha = 1), with published top-1."""

    def point(alpha: float, resolution: int) -> SweepPoint:
        arch = architectures.build(model, alpha, resolution, 1000)
        paper = [
            p
            for p in published.at_setting(model, alpha, resolution)
            if "torchvision" not in p.source
        ]
        top1, source = (paper[0].top1, paper[0].source) if paper else (None, None)
        return SweepPoint(
            model, alpha, resolution, arch.macs, arch.params, arch.weights, top1, source
        )

    top = max(resolutions)
    return [point(a, top) for a in alphas], [point(1.0, r) for r in resolutions]
