"""Issue 12: the words around the numbers say what the code computes and cite versions precisely."""

from __future__ import annotations

import inspect

from mobilenet_viz.analytic import architectures as archs
from mobilenet_viz.analytic import published
from mobilenet_viz.runtime import layer_timing
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def depthwise_share_text() -> str:
    v2 = archs.build("v2", 1.0, 224, 1000)
    share = next(r["macs_share"] for r in v2.breakdown() if r["layer_type"] == "depthwise")
    return f"{100 * share:.1f}%"


def test_one_depthwise_mac_share_everywhere_and_it_is_the_codes():
    share = depthwise_share_text()
    assert share == "6.9%"
    assert f"depthwise convs: {share} of MobileNetV2's MACs" in README
    assert f"hold {share} of the 300.8M MACs" in inspect.getdoc(layer_timing)
    assert "~30% of the time" not in README and "~7% of the MACs" not in README
    assert "depends on the thread count" in README


def test_readme_cites_both_v3_small_versions_with_their_numbers():
    assert "66M vs 56.5M" not in README
    assert "revised (ICCV 2019) paper gives 56M mult-adds and 2.5M params" in README
    assert "66M/2.9M is the first arXiv version" in README and "67.5% there" in README
    revised = [
        p
        for p in published.POINTS
        if p.model == "v3-small" and "revised" in p.source and p.alpha == 1.0
    ]
    first = [
        p
        for p in published.POINTS
        if p.model == "v3-small" and "first arXiv" in p.source and p.alpha == 1.0
    ]
    assert [(p.macs_m, p.params_m) for p in revised] == [(56, 2.5)]
    assert [(p.macs_m, p.params_m) for p in first] == [(66, 2.9)]


def test_published_setting_compares_params_and_records_v2_14_disagreement():
    v2 = archs.build("v2", 1.4, 224, 1000)
    (point,) = published.at_setting("v2", 1.4, 224)
    text = published.setting_comparison(point, v2.macs, v2.params, v2.weights)
    assert f"{v2.weights / 1e6:.2f}M weights" == "6.06M weights" and "6.06M weights" in text
    assert "6.9M params" in text and "-12.2%" in text and "TF-slim" in text
    # a setting that agrees gets no note
    (v1,) = published.at_setting("v1", 0.5, 224)
    arch = archs.build("v1", 0.5, 224, 1000)
    assert "TF-slim" not in published.setting_comparison(v1, arch.macs, arch.params, arch.weights)
