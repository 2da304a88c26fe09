"""Exact cost of one convolution layer: output size, MACs and parameters.

Source: Howard et al., "MobileNets", arXiv:1704.04861, section 3.1-3.3. With a D_K x D_K kernel,
M input channels, N output channels and a D_F x D_F feature map (stride 1, "same" padding):

    standard conv        D_K * D_K * M * N * D_F * D_F                    (eq. 2)
    depthwise conv       D_K * D_K * M * D_F * D_F                        (eq. 3)
    pointwise (1x1) conv M * N * D_F * D_F
    separable            D_K*D_K*M*D_F*D_F + M*N*D_F*D_F                  (eq. 5)
    ratio                separable / standard = 1/N + 1/D_K^2

This module uses the OUTPUT spatial size D_O = floor((D_F + 2p - D_K) / s) + 1 (torch's rule) for
every term, because each output pixel costs one dot product. At stride 1 with same padding
D_O = D_F and the formulas above are exact. At stride 2 the paper's formula written with the
input D_F over-counts by about 4x; the ratio is unchanged because every term shrinks alike.

Width multiplier alpha (section 3.3): M -> alpha*M, N -> alpha*N, rounded with
``make_divisible(alpha * C, divisor)``, torchvision's rule: round half up to a multiple of the
divisor, one step up if that lost more than 10%. Divisor 1 (the default here) is the paper's
alpha*M rounded to a whole channel (512 -> 384 at 0.75; tiny layers keep >= 90%: 3 -> 3 at
0.75, not 2); divisor 8 is what MobileNetV2/V3 use.
Resolution multiplier rho: D_F -> round(rho * D_F).

MACs count multiply-accumulates (the papers' "mult-adds"); FLOPs = 2 x MACs. Params are weights
only (no bias, no BatchNorm), as in the MobileNet paper's Table 3.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class LayerCost:
    """Multiply-accumulates and learnable weights of one layer."""

    macs: int
    params: int

    @property
    def flops(self) -> int:
        return 2 * self.macs

    def __add__(self, other: LayerCost) -> LayerCost:
        return LayerCost(self.macs + other.macs, self.params + other.params)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def make_divisible(value: float, divisor: int = 1, min_value: int | None = None) -> int:
    """Round ``value`` to the nearest multiple of ``divisor``, never going down by more than 10%.

    This is torchvision's ``_make_divisible`` (from the TensorFlow MobileNet code).
    """
    if divisor < 1:
        raise ValueError("divisor must be at least 1")
    min_value = divisor if min_value is None else min_value
    new_value = max(min_value, int(value + divisor / 2) // divisor * divisor)
    if new_value < 0.9 * value:
        new_value += divisor
    return new_value


ALPHA_RANGE = (0.0, 4.0)
"""Width multiplier alpha: above 0, at most 4. The one rule for every page, command and model."""


def check_alpha(alpha: float) -> float:
    """``alpha`` if it is a usable width multiplier (0 < alpha <= 4), else ValueError with a sentence."""
    lo, hi = ALPHA_RANGE
    if not lo < alpha <= hi:  # also rejects nan
        raise ValueError(f"width multiplier alpha must be in ({lo:g}, {hi:g}], got {alpha:g}")
    return alpha


def scale_channels(channels: int, alpha: float, divisor: int = 1) -> int:
    """Channels after the width multiplier: make_divisible(alpha * channels, divisor)."""
    return make_divisible(check_alpha(alpha) * channels, divisor)


def scale_resolution(input_size: int, rho: float) -> int:
    """Feature-map size after the resolution multiplier: round(rho * D_F), at least 1."""
    if not 0 < rho <= 1:
        raise ValueError(f"resolution multiplier rho must be in (0, 1], got {rho:g}")
    return max(1, math.floor(rho * input_size + 0.5))


def same_padding(kernel: int) -> int:
    """The padding MobileNets use: D_K // 2 keeps D_O = D_F at stride 1 for odd kernels."""
    return kernel // 2


def output_size(input_size: int, kernel: int, stride: int = 1, padding: int | None = None) -> int:
    """D_O = floor((D_F + 2p - D_K) / s) + 1, torch.nn.Conv2d's rule (dilation 1).

    Raises ValueError with a plain explanation when the kernel cannot be placed at all.
    """
    padding = same_padding(kernel) if padding is None else padding
    for name, value, low in (
        ("input size", input_size, 1),
        ("kernel", kernel, 1),
        ("stride", stride, 1),
    ):
        if value < low:
            raise ValueError(f"{name} must be at least {low}, got {value}")
    if padding < 0:
        raise ValueError(f"padding cannot be negative, got {padding}")
    if input_size + 2 * padding < kernel:
        where = "without padding" if padding == 0 else f"even with padding {padding}"
        raise ValueError(
            f"kernel {kernel} does not fit a {input_size}x{input_size} input {where} "
            f"(needs D_F + 2p >= D_K, here {input_size + 2 * padding} < {kernel})"
        )
    return (input_size + 2 * padding - kernel) // stride + 1


def _check_channels(**channels: int) -> None:
    for name, value in channels.items():
        if value < 1:
            raise ValueError(f"{name} must be at least 1, got {value}")


def grouped_conv_cost(
    in_channels: int, out_channels: int, kernel: int, out_size: int, groups: int = 1
) -> LayerCost:
    """A conv with ``groups`` groups: D_K^2 * (M/g) * N * D_O^2 MACs, D_K^2 * (M/g) * N weights.

    groups=1 is a standard conv; groups=M with N=M is a depthwise conv.
    """
    _check_channels(in_channels=in_channels, out_channels=out_channels, groups=groups)
    if in_channels % groups or out_channels % groups:
        raise ValueError(
            f"groups={groups} must divide both input channels ({in_channels}) and "
            f"output channels ({out_channels})"
        )
    params = kernel * kernel * (in_channels // groups) * out_channels
    return LayerCost(macs=params * out_size * out_size, params=params)


def standard_conv_cost(
    in_channels: int, out_channels: int, kernel: int, out_size: int
) -> LayerCost:
    """Standard conv: D_K * D_K * M * N * D_O^2 MACs, D_K^2 * M * N weights (MobileNets eq. 1-2)."""
    return grouped_conv_cost(in_channels, out_channels, kernel, out_size, groups=1)


def depthwise_conv_cost(channels: int, kernel: int, out_size: int) -> LayerCost:
    """Depthwise conv, one D_K x D_K filter per channel: D_K^2 * M * D_O^2 MACs (eq. 3)."""
    return grouped_conv_cost(channels, channels, kernel, out_size, groups=channels)


def pointwise_conv_cost(in_channels: int, out_channels: int, out_size: int) -> LayerCost:
    """Pointwise (1x1) conv: M * N * D_O^2 MACs, M * N weights (section 3.1)."""
    return grouped_conv_cost(in_channels, out_channels, 1, out_size, groups=1)


@dataclass(frozen=True)
class ConvConfig:
    """One layer as the user configures it (before alpha and rho are applied)."""

    input_size: int  # D_F
    in_channels: int  # M
    out_channels: int  # N
    kernel: int = 3  # D_K
    stride: int = 1  # s
    padding: int | None = None  # p; None = "same" (D_K // 2)
    alpha: float = 1.0  # width multiplier
    rho: float = 1.0  # resolution multiplier
    image_input: bool = False  # the layer reads the image: M counts colours, alpha leaves it alone


@dataclass(frozen=True)
class ConvComparison:
    """Standard vs depthwise separable for one configuration (after alpha and rho)."""

    config: ConvConfig
    in_channels: int  # alpha * M, rounded
    out_channels: int  # alpha * N, rounded
    input_size: int  # rho * D_F, rounded
    padding: int
    output_size: int  # D_O
    standard: LayerCost
    depthwise: LayerCost
    pointwise: LayerCost

    @property
    def separable(self) -> LayerCost:
        return self.depthwise + self.pointwise

    @property
    def ratio(self) -> float:
        """separable MACs / standard MACs (measured on the formulas above)."""
        return self.separable.macs / self.standard.macs

    @property
    def paper_ratio(self) -> float:
        """1/N + 1/D_K^2 (MobileNets section 3.1), with N after alpha."""
        return 1 / self.out_channels + 1 / self.config.kernel**2

    @property
    def saving(self) -> float:
        """How many times fewer MACs the separable layer needs."""
        return self.standard.macs / self.separable.macs

    @property
    def pointwise_share(self) -> float:
        """Fraction of the separable MACs spent in the 1x1 conv."""
        return self.pointwise.macs / self.separable.macs

    def as_dict(self) -> dict:
        """The CLI's JSON contract (DESIGN.md, `conv`)."""
        return {
            "output_size": self.output_size,
            "standard": self.standard.as_dict(),
            "depthwise": self.depthwise.as_dict(),
            "pointwise": self.pointwise.as_dict(),
            "separable": self.separable.as_dict(),
            "ratio": self.ratio,
            "paper_ratio": self.paper_ratio,
        }


def compare(config: ConvConfig) -> ConvComparison:
    """Cost of a standard conv and of its depthwise separable replacement.

    The depthwise conv carries the stride and padding; the pointwise conv runs on its output, as
    in MobileNet's Figure 3 (3x3 depthwise, BN, ReLU, 1x1 conv, BN, ReLU).
    alpha thins feature channels only: with ``image_input`` the M input channels are the image's
    colours (3 for RGB), which no width multiplier changes (section 3.3 scales "every layer" of
    the network; its first layer still reads a 3-channel image).
    """
    _check_channels(in_channels=config.in_channels, out_channels=config.out_channels)
    m = (
        config.in_channels
        if config.image_input
        else scale_channels(config.in_channels, config.alpha)
    )
    n = scale_channels(config.out_channels, config.alpha)
    d_f = scale_resolution(config.input_size, config.rho)
    padding = same_padding(config.kernel) if config.padding is None else config.padding
    try:
        d_o = output_size(d_f, config.kernel, config.stride, padding)
    except ValueError as exc:
        if d_f == config.input_size:
            raise
        raise ValueError(
            f"{exc}; the typed D_F = {config.input_size} is {d_f} after the resolution multiplier "
            f"(rho * D_F = {config.rho:g} x {config.input_size}, rounded)"
        ) from None
    return ConvComparison(
        config=config,
        in_channels=m,
        out_channels=n,
        input_size=d_f,
        padding=padding,
        output_size=d_o,
        standard=standard_conv_cost(m, n, config.kernel, d_o),
        depthwise=depthwise_conv_cost(m, config.kernel, d_o),
        pointwise=pointwise_conv_cost(m, n, d_o),
    )


def valid_groups(in_channels: int, out_channels: int) -> list[int]:
    """Group counts a conv M -> N accepts: the divisors of gcd(M, N), 1 (standard) first."""
    g = math.gcd(in_channels, out_channels)
    return [d for d in range(1, g + 1) if g % d == 0]
