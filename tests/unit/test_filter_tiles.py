"""The filters page's map tiles: the plotly figures' colour scale, crisp enlarged pixels."""

from __future__ import annotations

import io

import numpy as np
import plotly.colors
from PIL import Image

from mobilenet_viz.figures import filter_tiles as tiles
from mobilenet_viz.figures.filters import DIVERGING


def decode(png: bytes) -> np.ndarray:
    im = Image.open(io.BytesIO(png))
    assert im.format == "PNG"  # lossless: a JPEG would smear the map's pixels
    return np.asarray(im.convert("RGB"))


def test_zero_is_the_scales_middle_and_the_limit_its_ends():
    stops = plotly.colors.get_colorscale(DIVERGING)
    first, last = (plotly.colors.unlabel_rgb(stops[i][1]) for i in (0, -1))
    rgb = tiles.diverging_rgb(np.array([[-2.0, -1.0, 0.0, 1.0, 5.0]]), limit=1.0)
    assert tuple(rgb[0, 0]) == tuple(rgb[0, 1]) == tuple(round(v) for v in first)  # saturates
    assert tuple(rgb[0, 3]) == tuple(rgb[0, 4]) == tuple(round(v) for v in last)
    middle = [c for p, c in stops if abs(p - 0.5) < 1e-9]
    assert tuple(rgb[0, 2]) == tuple(round(v) for v in plotly.colors.unlabel_rgb(middle[0]))


def test_tiles_enlarge_by_whole_pixels_to_at_least_the_tile_side():
    z = np.arange(32 * 32, dtype=np.float64).reshape(32, 32) - 500
    out = decode(tiles.map_png(z, limit=600.0))
    assert out.shape == (160, 160, 3)  # 32 px x 5
    small = tiles.diverging_rgb(z, 600.0)
    np.testing.assert_array_equal(out[::5, ::5], small)  # every map pixel a 5 x 5 square
    np.testing.assert_array_equal(out[4::5, 4::5], small)
    assert decode(tiles.map_png(np.zeros((128, 128)), 1.0)).shape == (256, 256, 3)


def test_input_tile_keeps_rgb_and_shows_gray_as_gray():
    x = np.zeros((3, 48, 48), dtype=np.float32)
    x[0] = 1.0  # pure red
    out = decode(tiles.image_png(x))
    assert out.shape == (192, 192, 3) and (out == [255, 0, 0]).all()
    gray = decode(tiles.image_png(np.full((1, 64, 64), 0.5, dtype=np.float32)))
    assert (gray == 128).all()
