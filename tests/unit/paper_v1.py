"""MobileNetV1 written out from the paper, independently of ``mobilenet_viz.analytic.architectures``.

MobileNets (arXiv:1704.04861) Table 1, row by row. The tests build this network with torch and
check the library's V1 table against it, so the table is never checked against itself.
"""

from __future__ import annotations

from torch import nn
from torchvision.models._utils import _make_divisible

# (type, stride, input channels, output channels) as Table 1 lists them.
TABLE_1 = [
    ("conv", 2, 3, 32),
    ("dw", 1, 32, 32), ("pw", 1, 32, 64),
    ("dw", 2, 64, 64), ("pw", 1, 64, 128),
    ("dw", 1, 128, 128), ("pw", 1, 128, 128),
    ("dw", 2, 128, 128), ("pw", 1, 128, 256),
    ("dw", 1, 256, 256), ("pw", 1, 256, 256),
    ("dw", 2, 256, 256), ("pw", 1, 256, 512),
    *[row for _ in range(5) for row in (("dw", 1, 512, 512), ("pw", 1, 512, 512))],
    ("dw", 2, 512, 512), ("pw", 1, 512, 1024),
    # Table 1 prints "Conv dw / s2" here, but its own input and output are both 7x7x1024: the
    # stride is 1 in the reference implementations (TensorFlow/Keras) and in the library.
    ("dw", 1, 1024, 1024), ("pw", 1, 1024, 1024),
]  # fmt: skip
# then: Avg Pool 7x7 (global), FC 1024 -> 1000, softmax.


class PaperMobileNetV1(nn.Module):
    """Every conv followed by BatchNorm and ReLU (the paper's Figure 3); width multiplier alpha on
    every channel count but the RGB input (torchvision's rounding to whole channels)."""

    def __init__(self, alpha: float = 1.0, num_classes: int = 1000) -> None:
        super().__init__()

        def width(c: int) -> int:
            return c if c == 3 else _make_divisible(alpha * c, 1)

        layers = []
        for kind, stride, cin, cout in TABLE_1:
            kernel = 1 if kind == "pw" else 3
            groups = width(cin) if kind == "dw" else 1
            layers.append(
                nn.Sequential(
                    nn.Conv2d(
                        width(cin),
                        width(cout),
                        kernel,
                        stride,
                        kernel // 2,
                        groups=groups,
                        bias=False,
                    ),
                    nn.BatchNorm2d(width(cout)),
                    nn.ReLU(inplace=True),
                )
            )
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(width(1024), num_classes)

    def forward(self, x):
        return self.classifier(self.avgpool(self.features(x)).flatten(1))
