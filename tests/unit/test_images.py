"""Safe decoding of untrusted uploads: every kind of bad or unusual image, generated here."""

from __future__ import annotations

import io
import struct
import zlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFile, PngImagePlugin

from mobilenet_viz.inputs.images import (
    ALLOWED_FORMATS,
    MAX_PIXELS,
    DecodedImage,
    ImageDecodeError,
    _to_rgb,
    decode_image,
)


def encode(im: Image.Image, fmt: str, **kwargs) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format=fmt, **kwargs)
    return buf.getvalue()


def noise_rgb(width: int = 64, height: int = 48, seed: int = 0) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8), "RGB")


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload))
    )


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims width x height (8-bit RGB) with a tiny IDAT: a decompression bomb shape."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + png_chunk(b"IEND", b"")
    )


def pixel(decoded: DecodedImage, x: int, y: int) -> tuple[int, int, int]:
    return decoded.image.getpixel((x, y))


def assert_rgb(decoded: DecodedImage, size: tuple[int, int]) -> None:
    assert decoded.image.mode == "RGB"
    assert decoded.image.size == size
    decoded.image.tobytes()  # fully loaded: no lazy file access left


# --- rejected inputs -------------------------------------------------------------------------


def test_empty_file():
    with pytest.raises(ImageDecodeError, match="the file is empty"):
        decode_image(b"")


def test_text_file_is_named_as_text():
    with pytest.raises(ImageDecodeError, match=r"not an image \(looks like text\)"):
        decode_image(b"name,label\ncat,1\n\xc3\xa9t\xc3\xa9\n" * 20)


def test_random_binary_is_not_an_image():
    with pytest.raises(ImageDecodeError, match="not an image"):
        decode_image(bytes(range(256)) * 4)


def test_truncated_jpeg():
    data = encode(noise_rgb(256, 256), "JPEG", quality=90)
    with pytest.raises(ImageDecodeError, match="truncated JPEG"):
        decode_image(data[: len(data) // 2])


def test_truncated_png():
    data = encode(noise_rgb(256, 256), "PNG")
    with pytest.raises(ImageDecodeError, match="(truncated|corrupt) PNG"):
        decode_image(data[: len(data) // 2])


def test_png_bomb_rejected_from_header_before_decoding(monkeypatch):
    def no_decoding(self):
        raise AssertionError("pixel data was decoded before the size check")

    monkeypatch.setattr(PngImagePlugin.PngImageFile, "load", no_decoding)
    with pytest.raises(ImageDecodeError) as err:
        decode_image(png_header_only(50000, 50000))
    assert str(err.value) == "image is 50000x50000 = 2500 megapixels; the limit is 40"


def test_just_over_the_limit_is_rejected_and_message_has_decimals():
    with pytest.raises(
        ImageDecodeError, match=r"image is 8000x5001 = 40\.01 megapixels; the limit is 40"
    ):
        decode_image(png_header_only(8000, 5001))
    assert 8000 * 5001 > MAX_PIXELS


def test_gif_bomb_rejected():
    data = encode(Image.new("P", (4, 4)), "GIF")
    # Logical screen and image descriptor both claim 65535 x 65535.
    bomb = bytearray(data)
    bomb[6:10] = struct.pack("<HH", 65535, 65535)
    descriptor = bomb.index(b"\x2c")
    bomb[descriptor + 5 : descriptor + 9] = struct.pack("<HH", 65535, 65535)
    with pytest.raises(ImageDecodeError, match="65535x65535 = 4294.8 megapixels"):
        decode_image(bytes(bomb))


@pytest.mark.parametrize(
    "data",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect/></svg>',
        b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- x -->\n<svg xmlns="http://www.w3.org/2000/svg"/>',
    ],
    ids=["svg", "svg-with-xml-prolog"],
)
def test_svg_is_refused_by_name(data):
    with pytest.raises(ImageDecodeError) as err:
        decode_image(data)
    assert str(err.value) == "SVG is not supported; upload JPEG, PNG, WebP, BMP or GIF"


def test_tiff_is_refused_by_name_even_though_pillow_could_read_it():
    with pytest.raises(ImageDecodeError, match="TIFF is not supported; upload JPEG, PNG"):
        decode_image(encode(noise_rgb(8, 8), "TIFF"))


def test_corrupt_png_crc():
    data = bytearray(encode(noise_rgb(16, 16), "PNG"))
    data[20] ^= 0xFF  # inside IHDR: its CRC no longer matches
    with pytest.raises(ImageDecodeError, match="PNG"):
        decode_image(bytes(data))


# --- accepted inputs and their conversions ----------------------------------------------------


@pytest.mark.parametrize("fmt", ALLOWED_FORMATS)
def test_every_allowed_format_decodes(fmt):
    im = Image.new("RGB", (20, 10), (200, 30, 40))
    kwargs = {"lossless": True} if fmt == "WEBP" else {}
    decoded = decode_image(encode(im, fmt, **kwargs))
    assert decoded.format == fmt
    assert_rgb(decoded, (20, 10))
    r, g, b = pixel(decoded, 5, 5)
    assert abs(r - 200) <= 8 and abs(g - 30) <= 8 and abs(b - 40) <= 8
    assert decoded.notes == ()


def test_sixteen_bit_png_is_scaled_not_clipped():
    values = np.array([[0, 257 * 100, 65535]], dtype=np.uint16)
    data = encode(Image.fromarray(values), "PNG")
    decoded = decode_image(data)
    assert_rgb(decoded, (3, 1))
    assert [pixel(decoded, x, 0) for x in range(3)] == [(0, 0, 0), (100, 100, 100), (255, 255, 255)]
    assert "16-bit image scaled to 8-bit" in decoded.notes


def test_cmyk_jpeg_becomes_rgb():
    im = Image.new("CMYK", (16, 16), (0, 255, 255, 0))  # no black, full magenta+yellow: red
    decoded = decode_image(encode(im, "JPEG", quality=95))
    assert_rgb(decoded, (16, 16))
    r, g, b = pixel(decoded, 8, 8)
    assert r > 230 and g < 30 and b < 30
    assert "CMYK converted to RGB" in decoded.notes


def test_palette_png_with_transparency_table_composited_on_white():
    im = Image.new("P", (2, 1))
    im.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    im.putpixel((0, 0), 0)
    im.putpixel((1, 0), 1)
    data = encode(im, "PNG", transparency=bytes([0, 255]))  # index 0 fully transparent
    decoded = decode_image(data)
    assert pixel(decoded, 0, 0) == (255, 255, 255)
    assert pixel(decoded, 1, 0) == (0, 0, 255)
    assert "transparency composited on white" in decoded.notes


def test_palette_gif_with_transparent_index():
    im = Image.new("P", (2, 1))
    im.putpalette([0, 255, 0, 10, 20, 30] + [0] * 762)
    im.putpixel((0, 0), 0)
    im.putpixel((1, 0), 1)
    decoded = decode_image(encode(im, "GIF", transparency=0))
    assert pixel(decoded, 0, 0) == (255, 255, 255)
    assert pixel(decoded, 1, 0) == (10, 20, 30)


def test_pa_mode_composited_on_white():
    im = Image.new("PA", (1, 1))
    im.putpalette([0, 0, 0] * 256, "RGB")
    im.putpixel((0, 0), (0, 0))  # black, alpha 0
    assert _to_rgb(im, []).getpixel((0, 0)) == (255, 255, 255)


def test_la_png_composited_on_white():
    im = Image.new("LA", (1, 1), (0, 128))  # black at half opacity
    decoded = decode_image(encode(im, "PNG"))
    assert abs(pixel(decoded, 0, 0)[0] - 127) <= 1
    assert "transparency composited on white" in decoded.notes


def test_rgba_png_composited_on_white():
    im = Image.new("RGBA", (2, 1), (255, 0, 0, 255))
    im.putpixel((1, 0), (255, 0, 0, 0))
    decoded = decode_image(encode(im, "PNG"))
    assert pixel(decoded, 0, 0) == (255, 0, 0)
    assert pixel(decoded, 1, 0) == (255, 255, 255)


def test_one_bit_image():
    im = Image.new("1", (8, 2), 0)
    im.putpixel((3, 1), 1)
    decoded = decode_image(encode(im, "PNG"))
    assert_rgb(decoded, (8, 2))
    assert pixel(decoded, 3, 1) == (255, 255, 255)
    assert pixel(decoded, 0, 0) == (0, 0, 0)


def test_animated_gif_uses_first_frame_and_says_so():
    frames = [Image.new("RGB", (8, 8), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    decoded = decode_image(buf.getvalue())
    assert pixel(decoded, 4, 4) == (255, 0, 0)
    assert (
        "animated GIF: using its first frame" in decoded.notes
    )  # n_frames would walk the whole file


def test_animated_webp_uses_first_frame():
    frames = [Image.new("RGB", (8, 8), c) for c in ((255, 0, 0), (0, 0, 255))]
    buf = io.BytesIO()
    frames[0].save(buf, format="WEBP", save_all=True, append_images=frames[1:], lossless=True)
    decoded = decode_image(buf.getvalue())
    assert pixel(decoded, 4, 4) == (255, 0, 0)
    assert "animated WebP: using frame 1 of 2" in decoded.notes


def test_exif_rotated_jpeg_is_turned_upright():
    im = Image.new("RGB", (40, 20), (0, 0, 0))
    im.paste((255, 0, 0), (0, 0, 20, 20))  # left half red, as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    decoded = decode_image(encode(im, "JPEG", quality=95, exif=exif.tobytes()))
    assert_rgb(decoded, (20, 40))
    assert pixel(decoded, 10, 5)[0] > 200  # the left half is now on top
    assert pixel(decoded, 10, 35)[0] < 50
    assert "rotated per EXIF" in decoded.notes


def test_tiny_and_extreme_aspect_images():
    assert_rgb(decode_image(encode(Image.new("RGB", (1, 1), (9, 9, 9)), "PNG")), (1, 1))
    assert_rgb(decode_image(encode(Image.new("L", (10000, 10), 77), "PNG")), (10000, 10))


def test_pillow_globals_untouched_and_threads_independent():
    before = (Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES)
    good = encode(noise_rgb(32, 32), "PNG")
    bomb = png_header_only(50000, 50000)
    truncated = encode(noise_rgb(128, 128), "JPEG")[:2000]

    def run(data: bytes) -> str:
        try:
            return decode_image(data).image.mode
        except ImageDecodeError as exc:
            return str(exc).split(":")[0].split(" = ")[0]

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(run, [good, bomb, truncated] * 8))
    assert results == ["RGB", "image is 50000x50000", "truncated JPEG"] * 8
    assert (Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES) == before


_SEEDS = [encode(noise_rgb(24, 16), fmt) for fmt in ("PNG", "JPEG", "GIF", "BMP")]


@settings(max_examples=60, deadline=None)
@given(
    seed=st.sampled_from(range(len(_SEEDS))),
    cut=st.integers(0, 10_000),
    flips=st.lists(st.tuples(st.integers(0, 10_000), st.integers(1, 255)), max_size=4),
)
def test_mangled_files_only_ever_raise_image_decode_error(seed, cut, flips):
    data = bytearray(_SEEDS[seed][: max(1, cut)])
    for pos, xor in flips:
        data[pos % len(data)] ^= xor
    try:
        decoded = decode_image(bytes(data))
    except ImageDecodeError as exc:
        assert str(exc)
    else:
        assert decoded.image.mode == "RGB"
