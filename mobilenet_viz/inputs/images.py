"""Safe decoding of untrusted image bytes (uploads, CLI arguments) into an RGB PIL image.

``decode_image(data)`` either returns a fully loaded RGB image or raises ``ImageDecodeError``
whose message names the problem in plain words ("the file is empty", "truncated JPEG", ...).

Safety rules:
- only an allow-list of formats is ever parsed (JPEG, PNG, WebP, BMP, GIF); the Pillow plugin
  for the detected format is called directly, so no other plugin sees the bytes;
- the pixel count is read from the header (Pillow opens lazily) and checked against
  ``MAX_PIXELS`` *before* any pixel data is decoded (decompression bombs);
- a JPEG's scans are counted from its markers before decoding: libjpeg spends time on every
  scan over the whole image (a 600 KB progressive JPEG repeating one 16-byte scan 37,000 times
  took minutes), so at most ``MAX_JPEG_SCANS`` scans and ``MAX_SCAN_MEGAPIXELS`` scans x
  megapixels are decoded (a normal progressive JPEG has about 10 scans);
- ``max_side``: a JPEG is decoded at 1/2, 1/4 or 1/8 scale when that still covers ``max_side``
  (libjpeg DCT scaling through ``Image.draft``), and every image is shrunk to ``max_side`` before
  it is returned, so a caller that keeps a preview never holds a 40 MP photo;
- 16-bit and float images are scaled to 8 bits in slices of rows, never as a float64 copy of the
  whole image (a 40 MP 16-bit PNG: 80 MB of pixels instead of 1.3 GB of temporaries);
- ``PixelBudget``: one run (a Classify click) decodes at most ``MAX_PIXELS_PER_RUN`` pixels in all;
- Pillow's process-wide settings (``Image.MAX_IMAGE_PIXELS``, ``ImageFile.LOAD_TRUNCATED_IMAGES``)
  are never read or changed per call, so concurrent sessions cannot interfere.
"""

from __future__ import annotations

import io
import re
import struct
import threading
from dataclasses import dataclass

import numpy as np
from PIL import Image

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "BMP", "GIF")
MAX_PIXELS = 40_000_000
MAX_JPEG_SCANS = 100  # libjpeg's progressive mode writes 10 (colour) or 6 (grey); mozjpeg up to ~20
MAX_SCAN_MEGAPIXELS = 1000  # scans x megapixels: 25 scans of a 40 MP photo, 100 of a 10 MP one
MAX_PIXELS_PER_RUN = 120_000_000  # decoded pixels per run (3 photos at the 40 MP limit)
_REDUCIBLE = ("L", "LA", "RGB", "RGBA", "CMYK", "YCbCr", "I", "F")  # modes Image.reduce averages
_ROWS_PIXELS = 1 << 20  # 16-bit/float -> 8-bit conversion works on about 1 M pixels at a time

_ALLOWED_TEXT = "JPEG, PNG, WebP, BMP or GIF"
_HEADER_BYTES = 16

# Formats we recognise only to name them in the error message (never parsed).
_OTHER_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"II*\x00", "TIFF"),
    (0, b"MM\x00*", "TIFF"),
    (0, b"%PDF", "PDF"),
    (0, b"8BPS", "Photoshop PSD"),
    (0, b"\x00\x00\x01\x00", "ICO"),
    (0, b"\x00\x00\x00\x0cjP  ", "JPEG 2000"),
    (0, b"\xff\x4f\xff\x51", "JPEG 2000"),
    (0, b"\xff\x0a", "JPEG XL"),
    (0, b"PK\x03\x04", "a ZIP archive"),
    (0, b"\x1f\x8b", "a gzip archive"),
)
_FTYP_BRANDS = {
    b"heic": "HEIC",
    b"heix": "HEIC",
    b"hevc": "HEIC",
    b"mif1": "HEIF",
    b"msf1": "HEIF",
    b"avif": "AVIF",
    b"avis": "AVIF",
    b"jxl ": "JPEG XL",
}
_FRIENDLY = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "BMP": "BMP", "GIF": "GIF"}

Image.init()  # register every plugin once, at import (not per call)


class ImageDecodeError(ValueError):
    """The bytes are not an image this app accepts; the message says why in plain words."""


@dataclass(frozen=True)
class DecodedImage:
    image: Image.Image  # RGB, EXIF orientation applied, fully loaded
    format: str  # "JPEG", "PNG", ... (Pillow's format name)
    notes: tuple[str, ...]  # user-facing notes about what was done to the image
    original_size: tuple[int, int] | None = None  # (width, height) in the file, before max_side


class PixelBudget:
    """Pixels one run may still decode (thread-safe); :func:`decode_image` takes from it.

    A run that gets 24 photos at the 40 MP limit would otherwise decode 960 MP; with a budget the
    photos after it is spent are refused with a message that says why and what to do.
    """

    def __init__(self, pixels: int = MAX_PIXELS_PER_RUN):
        self.total = int(pixels)
        self.left = int(pixels)
        self._lock = threading.Lock()

    def take(self, pixels: int) -> None:
        with self._lock:
            if pixels > self.left:
                raise ImageDecodeError(
                    f"skipped: the photos before it used this run's budget of "
                    f"{self.total / 1e6:.0f} megapixels; classify it in a smaller batch"
                )
            self.left -= pixels


_JPEG_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")  # the next marker after entropy-coded data


def jpeg_scan_count(data: bytes) -> int:
    """Start-of-scan (SOS, 0xFFDA) markers in a JPEG, from its marker segments (ITU T.81, B.1).

    Segments are skipped by their length field; after an SOS header the entropy-coded data is
    skipped to the next marker (inside it 0xFF is followed by 0x00 stuffing or RST0-7), so a
    thumbnail inside an EXIF segment is not counted. Stops at EOI or at the end of the bytes.
    """
    count, i, end = 0, 2, len(data)
    while i + 4 <= end:
        if data[i] != 0xFF:
            break
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte before a marker
            i += 1
            continue
        if marker == 0xD9:  # EOI
            break
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # parameterless
            i += 2
            continue
        i += 2 + struct.unpack_from(">H", data, i + 2)[0]
        if marker == 0xDA:
            count += 1
            found = _JPEG_MARKER.search(data, i)
            if found is None:
                break
            i = found.start()
    return count


def _sniff_other(data: bytes) -> str | None:
    """Name a non-allowed format (or 'text') from its first bytes, for the error message."""
    head = data[:1024]
    for offset, magic, name in _OTHER_MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return name
    if head[4:8] == b"ftyp" and head[8:12] in _FTYP_BRANDS:
        return _FTYP_BRANDS[head[8:12]]
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<svg") or (text.startswith(b"<?xml") and b"<svg" in data[:4096].lower()):
        return "SVG"
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A multi-byte character cut at the 1024-byte boundary is still text.
            if exc.start < len(head) - 4:
                return None
        return "text"
    return None


def _open_header(data: bytes) -> tuple[Image.Image, str]:
    """Open lazily with the first allowed plugin that accepts the header (no pixels decoded)."""
    prefix = data[:_HEADER_BYTES]
    for fmt in ALLOWED_FORMATS:
        if fmt not in Image.OPEN:  # Pillow built without this codec
            continue
        factory, accept = Image.OPEN[fmt]
        accepted = accept(prefix) if accept else True
        if isinstance(accepted, str) or not accepted:
            continue
        try:
            return factory(io.BytesIO(data), ""), fmt
        except (
            SyntaxError,
            IndexError,
            TypeError,
            struct.error,
            ValueError,
            OSError,
            EOFError,
        ) as exc:
            raise _broken(fmt, exc) from None
    other = _sniff_other(data)
    if other == "text":
        raise ImageDecodeError("not an image (looks like text)")
    if other is not None:
        raise ImageDecodeError(f"{other} is not supported; upload {_ALLOWED_TEXT}")
    raise ImageDecodeError(f"not an image (unrecognised file format); upload {_ALLOWED_TEXT}")


def _broken(fmt: str, exc: BaseException) -> ImageDecodeError:
    name = _FRIENDLY.get(fmt, fmt)
    detail = str(exc).strip() or type(exc).__name__
    if (
        isinstance(exc, EOFError)
        or "truncated" in detail.lower()
        or "end of file" in detail.lower()
    ):
        return ImageDecodeError(
            f"truncated {name}: the file ends before the image data is complete"
        )
    return ImageDecodeError(f"corrupt {name}: {detail}")


def _megapixels(pixels: int) -> str:
    """Megapixels with one decimal, or more when needed to tell it apart from the limit."""
    for decimals in (1, 2, 3):
        text = f"{pixels / 1e6:.{decimals}f}".rstrip("0").rstrip(".")
        if pixels <= MAX_PIXELS or float(text) * 1e6 > MAX_PIXELS:
            return text
    return f"{pixels / 1e6:.6f}".rstrip("0").rstrip(".")


def _check_size(width: int, height: int) -> None:
    if width <= 0 or height <= 0:
        raise ImageDecodeError(f"image has no pixels ({width}x{height})")
    if width * height > MAX_PIXELS:
        raise ImageDecodeError(
            f"image is {width}x{height} = {_megapixels(width * height)} megapixels; "
            f"the limit is {_megapixels(MAX_PIXELS)}"
        )


def _high_bit_to_8bit(im: Image.Image, factor: int = 1) -> Image.Image:
    """Grayscale 16/32-bit integer or float modes -> "L", scaled (not clipped) to 0..255.

    16-bit modes map 0..65535 linearly onto 0..255; 32-bit modes use the same 16-bit scale when
    their values fit in it (Pillow opens 16-bit PNGs as "I" in some versions), else min..max.
    The scaling runs on slices of about a million pixels in float32, so its temporaries stay a
    few MB whatever the image size (no float64 copy of the whole image). ``factor`` > 1 also
    averages factor x factor blocks (Pillow's ``reduce`` has no 16-bit mode), dropping the last
    rows/columns that do not fill a block.
    """
    arr = np.asarray(im)
    if arr.ndim != 2:
        arr = arr.reshape(im.size[1], im.size[0])
    if im.mode.startswith("I;16"):
        lo, hi = 0.0, 65535.0
    elif im.mode == "I" and arr.size and arr.min() >= 0 and arr.max() <= 65535:
        lo, hi = 0.0, (255.0 if arr.max() <= 255 else 65535.0)
    else:
        finite_lo, finite_hi = _finite_range(arr)
        lo, hi = finite_lo, (finite_hi if finite_hi > finite_lo else finite_lo + 1.0)
    factor = max(1, min(factor, *arr.shape))
    rows, cols = arr.shape[0] // factor * factor, arr.shape[1] // factor * factor
    arr = arr[:rows, :cols]
    out = np.empty((rows // factor, cols // factor), dtype=np.uint8)
    step = max(1, _ROWS_PIXELS // max(1, cols)) // factor * factor or factor
    scale = np.float32(255.0 / (hi - lo))
    for top in range(0, arr.shape[0], step):
        part = arr[top : top + step].astype(np.float32)
        if factor > 1:
            part = part.reshape(part.shape[0] // factor, factor, cols // factor, factor).mean(
                axis=(1, 3)
            )
        part -= np.float32(lo)
        part *= scale
        part += np.float32(0.5)
        np.nan_to_num(part, copy=False, nan=0.0, posinf=255.0, neginf=0.0)
        np.clip(part, 0, 255, out=part)
        out[top // factor : (top + step) // factor] = part
    return Image.fromarray(out, "L")


def _finite_range(arr: np.ndarray) -> tuple[float, float]:
    """(min, max) over the finite values, slice by slice; (0, 1) when there are none."""
    lo, hi = np.inf, -np.inf
    step = max(1, _ROWS_PIXELS // max(1, arr.shape[1]))
    for top in range(0, arr.shape[0], step):
        part = arr[top : top + step]
        if part.dtype.kind == "f":
            part = part[np.isfinite(part)]
        if part.size:
            lo, hi = min(lo, float(part.min())), max(hi, float(part.max()))
    return (lo, hi) if lo <= hi else (0.0, 1.0)


def _composite_on_white(im: Image.Image) -> Image.Image:
    rgba = im.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(background, rgba).convert("RGB")


def _to_rgb(im: Image.Image, notes: list[str], factor: int = 1) -> Image.Image:
    mode = im.mode
    if mode in ("I", "F") or mode.startswith("I;16"):
        is_16 = mode.startswith("I;16") or (mode == "I" and np.asarray(im).max(initial=0) > 255)
        im = _high_bit_to_8bit(im, factor)
        notes.append(
            "16-bit image scaled to 8-bit" if is_16 else f"{mode}-mode image scaled to 8-bit"
        )
        return im.convert("RGB")
    if mode == "P":
        if "transparency" in im.info:
            notes.append("transparency composited on white")
            return _composite_on_white(im)
        return im.convert("RGB")
    if mode in ("PA", "LA", "La", "RGBA", "RGBa"):
        notes.append("transparency composited on white")
        if mode == "PA":
            im = im.convert("RGBA")
        return _composite_on_white(im)
    if mode == "CMYK":
        notes.append("CMYK converted to RGB")
        return im.convert("RGB")
    if mode == "1":
        notes.append("1-bit (black and white) image")
        return im.convert("L").convert("RGB")
    return im.convert("RGB")  # RGB (copy), L, YCbCr, LAB, HSV, RGBX


def _exif_orientation(im: Image.Image) -> int:
    try:
        return int(im.getexif().get(0x0112, 1) or 1)
    except Exception:  # noqa: BLE001 - a broken EXIF block must not reject the photo
        return 1


def _check_scans(data: bytes, width: int, height: int) -> None:
    scans = jpeg_scan_count(data)
    megapixels = width * height / 1e6
    if scans > MAX_JPEG_SCANS:
        raise ImageDecodeError(
            f"JPEG has {scans} scans; the limit is {MAX_JPEG_SCANS} (a normal progressive JPEG has "
            "about 10): re-save it as a baseline JPEG"
        )
    if scans * megapixels > MAX_SCAN_MEGAPIXELS:
        raise ImageDecodeError(
            f"JPEG has {scans} scans of {width}x{height} pixels; at this size the limit is "
            f"{int(MAX_SCAN_MEGAPIXELS / megapixels)} scans: re-save it as a baseline JPEG or smaller"
        )


def _draft(im: Image.Image, max_side: int) -> None:
    """Ask libjpeg to decode at the smallest 1/2, 1/4 or 1/8 scale whose longest side still
    reaches ``max_side`` (``Image.draft`` never goes below the requested size)."""
    width, height = im.size
    scale = max_side / max(width, height)
    if scale < 0.5:
        im.draft(
            im.mode if im.mode in ("L", "RGB", "CMYK") else "RGB",
            (max(1, int(width * scale)), max(1, int(height * scale))),
        )


def decode_image(
    data: bytes, *, max_side: int | None = None, budget: PixelBudget | None = None
) -> DecodedImage:
    """Decode untrusted bytes into a fully loaded RGB image, or raise ``ImageDecodeError``.

    Allowed formats: ``ALLOWED_FORMATS``; at most ``MAX_PIXELS`` pixels (checked from the
    header, before decoding); a JPEG at most ``MAX_JPEG_SCANS`` scans (counted from its markers,
    before decoding). EXIF orientation is applied; palette/alpha/CMYK/1-bit/16-bit images are
    converted to 8-bit RGB (alpha composited on white, 16-bit scaled not clipped); animated files
    use their first frame. ``max_side``: the returned image's longest side is at most this (a
    JPEG is decoded at reduced scale where it can be). ``budget``: the decoded pixels are taken
    from it first. What was done is listed in ``notes``.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"decode_image expects bytes, got {type(data).__name__}")
    data = bytes(data)
    if not data:
        raise ImageDecodeError("the file is empty")
    im, fmt = _open_header(data)
    width, height = im.size
    _check_size(width, height)
    if fmt == "JPEG":
        _check_scans(data, width, height)
        if max_side:
            _draft(im, max_side)
    if budget is not None:
        budget.take(im.size[0] * im.size[1])
    notes: list[str] = []
    try:
        if fmt == "GIF":
            frames = 2 if im.is_animated else 1  # n_frames would walk every frame of the file
            if frames > 1:
                notes.append("animated GIF: using its first frame")
        else:
            frames = int(getattr(im, "n_frames", 1) or 1)
            if frames > 1:
                notes.append(f"animated {_FRIENDLY[fmt]}: using frame 1 of {frames}")
        if frames > 1:
            im.seek(0)
        im.load()
    except ImageDecodeError:
        raise
    except (SyntaxError, IndexError, TypeError, struct.error, ValueError, OSError, EOFError) as exc:
        raise _broken(fmt, exc) from None
    if max(im.size) > max(width, height) or im.size[0] * im.size[1] > width * height:
        _check_size(*im.size)  # a later frame may not grow the image past the check
    orientation = _exif_orientation(im)
    try:
        # Shrink before converting where averaging is right (not palette indices): the
        # conversion then works on a quarter or less of the pixels. 16-bit: averaged in numpy.
        factor = max(1, int(max(im.size) / (2 * max_side))) if max_side else 1
        if factor > 1 and im.mode in _REDUCIBLE:
            im, factor = im.reduce(factor), 1
        rgb = _to_rgb(im, notes, factor)
    except (ValueError, OSError) as exc:
        raise _broken(fmt, exc) from None
    del im
    if max_side and max(rgb.size) > max_side:
        rgb.thumbnail(
            (max_side, max_side), Image.Resampling.LANCZOS
        )  # reduce() first, then Lanczos
    if orientation != 1:
        rgb = _apply_orientation(rgb, orientation)
        if orientation in (3, 6, 8):
            notes.append("rotated per EXIF")
        elif orientation in (2, 4, 5, 7):
            notes.append("flipped per EXIF")
    size = (height, width) if orientation in (5, 6, 7, 8) else (width, height)
    if rgb.size != size:
        notes.append(f"downscaled from {size[0]}×{size[1]} to {rgb.size[0]}×{rgb.size[1]}")
    return DecodedImage(image=rgb, format=fmt, notes=tuple(notes), original_size=size)


_ORIENTATION_OPS = {
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}


def _apply_orientation(im: Image.Image, orientation: int) -> Image.Image:
    """EXIF orientation tag (TIFF/EXIF 2.3, tag 0x0112) -> the transposition that undoes it."""
    for op in _ORIENTATION_OPS.get(orientation, ()):
        im = im.transpose(op)
    return im
