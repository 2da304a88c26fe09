"""Feature maps as small PNG tiles: the filters page's key visual.

A page lays tiles out in a wrapping row, so a phone shows two readable maps per line and a laptop
or projector five or more, where one plotly grid of N heatmaps shrank each map to ~50 px on a
390 px phone. Tiles are static (no hover) and cost the browser an <img> each, not a plotly chart.
Colours are the plotly figures' own: ``figures.filters.DIVERGING`` centred on 0 for signed maps.
Maps are enlarged by whole pixels (nearest neighbour), so every pixel of the map stays a crisp
square instead of being blurred by the browser.
"""

from __future__ import annotations

import io
import math

import numpy as np
import plotly.colors
from PIL import Image

from mobilenet_viz.figures.filters import DIVERGING

TILE_SIDE = 160  # px the tiles are enlarged to at least (a phone shows two per line)


def _scale_stops(name: str) -> tuple[np.ndarray, np.ndarray]:
    stops = plotly.colors.get_colorscale(name)
    positions = np.array([p for p, _ in stops], dtype=np.float64)
    rgb = np.array([plotly.colors.unlabel_rgb(c) for _, c in stops], dtype=np.float64)
    return positions, rgb


_POSITIONS, _RGB = _scale_stops(DIVERGING)


def enlarge(rgb: np.ndarray, min_side: int = TILE_SIDE) -> np.ndarray:
    """(H, W, 3) uint8 repeated by the smallest whole factor that makes the short side >= min_side."""
    factor = max(1, math.ceil(min_side / min(rgb.shape[:2])))
    return np.repeat(np.repeat(rgb, factor, axis=0), factor, axis=1)


def diverging_rgb(z: np.ndarray, limit: float) -> np.ndarray:
    """(H, W) values -> (H, W, 3) uint8 on the diverging scale: -limit blue, 0 white, +limit red;
    values beyond +-limit saturate."""
    t = (np.clip(np.asarray(z, dtype=np.float64) / (limit or 1.0), -1, 1) + 1) / 2
    channels = [np.interp(t, _POSITIONS, _RGB[:, c]) for c in range(3)]
    return np.round(np.stack(channels, axis=-1)).astype(np.uint8)


def _png(rgb: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(buffer, format="PNG", optimize=False, compress_level=1)
    return buffer.getvalue()


def map_png(z: np.ndarray, limit: float, min_side: int = TILE_SIDE) -> bytes:
    """One signed map (H, W) as an enlarged PNG on the diverging scale centred on 0 (+-limit)."""
    return _png(enlarge(diverging_rgb(z, limit), min_side))


def image_png(x: np.ndarray, min_side: int = TILE_SIDE) -> bytes:
    """An input (M, H, W) in [0, 1] (M = 3 RGB or 1 gray) as an enlarged PNG."""
    arr = np.clip(np.asarray(x, dtype=np.float64), 0, 1)
    if arr.shape[0] == 1:
        arr = np.repeat(arr, 3, axis=0)
    rgb = np.round(arr.transpose(1, 2, 0) * 255).astype(np.uint8)
    return _png(enlarge(rgb, min_side))
