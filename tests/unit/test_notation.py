"""One notation: the glossary maps the papers' letters onto each other; Figure 2 c/d cuts."""

from __future__ import annotations

from mobilenet_viz.analytic.blocks import figure2_cuts
from mobilenet_viz.analytic.notation import GLOSSARY, spiral_link


def test_glossary_covers_the_letters_the_pages_use():
    symbols = {row[0] for row in GLOSSARY}
    for needed in ("M", "N", "k, k′ (d′, d″)", "t", "t (§5.1)", "C", "D_F", "D_K", "α", "ρ", "n"):
        assert needed in symbols
    t_splits = next(row for row in GLOSSARY if row[0] == "t (§5.1)")
    assert "not the expansion factor" in t_splits[3]


def test_spiral_n_is_placed_against_k_and_tk():
    assert "no wider than this block's bottleneck k = 24" in spiral_link(3, 24, 6)
    assert "between this block's bottleneck k = 24 and its expanded width t·k = 144" in spiral_link(
        30, 24, 6
    )
    assert "at least this block's expanded width t·k = 144" in spiral_link(144, 24, 6)


def test_figure2_cuts_are_the_same_layers_at_a_different_boundary():
    tensors, layers = figure2_cuts(24, 6)
    assert [t.channels for t in tensors] == [24, 144, 144, 24, 144, 144, 24]
    assert [t.linear for t in tensors] == [True, False, False, True, False, False, True]
    assert len(layers) == len(tensors) - 1
    c = [i for i, t in enumerate(tensors) if t.role_c == "block"]
    d = [i for i, t in enumerate(tensors) if t.role_d == "block"]
    # (d) starts and ends at thin linear bottlenecks; (c) starts and ends at wide ReLU6 tensors
    assert tensors[d[0]].linear and tensors[d[-1]].linear and len(d) == 4
    assert not tensors[c[0]].linear and not tensors[c[-1]].linear and len(c) == 4
    # both blocks span the same three layers (4 tensors), shifted by one layer
    assert c[0] == d[0] + 1
    # the next block's first tensor is marked right after each block (lightly coloured)
    assert [i for i, t in enumerate(tensors) if t.role_c == "next"] == [c[-1] + 1]
    assert [i for i, t in enumerate(tensors) if t.role_d == "next"] == [d[-1] + 1]


def test_figure2_layer_labels_are_short_enough_for_a_phone():
    from mobilenet_viz.figures.blocks import figure2_cuts_figure

    fig = figure2_cuts_figure(*figure2_cuts(24, 6))
    layer_labels = [a.text for a in fig.layout.annotations if "<b>" not in a.text]
    assert len(layer_labels) == 2 * 6  # every layer named on both rows
    assert max(len(line) for text in layer_labels for line in text.split("<br>")) <= 7
    assert {"expand<br>ReLU6", "dwise<br>ReLU6", "project<br>linear"} == set(layer_labels)
