"""The Classify page through AppTest: real photos, bad uploads, the untrained banner, timing tools."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
import torch
from torchvision.models import mobilenet_v2

from mobilenet_viz.inputs.samples import get_sample
from mobilenet_viz.runtime import layer_timing
from mobilenet_viz.runtime import weights as w
from tests.app.helpers import assert_no_exception, by_key, clear_model_cache, open_page, texts
from tests.unit.test_images import encode
from tests.unit.test_weights import Exploit, _saved, _torchscript_bytes
from ui.text import md

PAGE = "pages/classify.py"
FAST = {"runs": "2"}


@pytest.fixture
def real_weights(monkeypatch, test_weights_path):
    monkeypatch.setenv(w.ENV_WEIGHTS, str(test_weights_path))
    monkeypatch.setenv(w.ENV_OFFLINE, "1")
    clear_model_cache()
    yield test_weights_path
    clear_model_cache()


def subheaders(at) -> list[str]:
    return [str(s.value) for s in at.subheader]


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height (no pixel data needed to trip the size check)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + _png_chunk(b"IEND", b"")
    )


@pytest.mark.weights
def test_uploaded_real_photos_are_classified_correctly(real_weights, test_photos_dir):
    at = open_page(PAGE, query=FAST)
    at.pills(key="cls_samples").set_value([])
    files = [
        (n, (test_photos_dir / n).read_bytes(), "image/jpeg")
        for n in ("cat.jpg", "dragonfly.jpg", "bird.jpg")
    ]
    by_key(at.file_uploader, "cls_uploads").set_value(files)
    at.run()
    assert_no_exception(at)
    heads = subheaders(at)
    assert heads[0].startswith("cat.jpg: ") and heads[0].split(": ")[1].split(" (")[0] in {
        "Egyptian cat",
        "tabby",
        "tiger cat",
        "Persian cat",
        "Siamese cat",
    }
    assert heads[1].startswith("dragonfly.jpg: dragonfly (")
    assert heads[2].startswith("bird.jpg: chickadee (")
    shown = texts(at)
    assert (
        md("mobilenet_v2_imagenet_test.pth ($MOBILENET_VIZ_WEIGHTS)") in shown
    )  # names are shown escaped
    assert w.UNTRAINED_LABEL not in shown and not at.error
    assert "Inference (median)" in shown and "GFLOP/s" in shown
    csv = by_key(at.download_button, "cls_csv")
    assert csv is not None


def test_every_bad_upload_gets_its_own_error_and_the_rest_still_classify(offline):
    cat = get_sample("cat.jpg").read_bytes()
    bad = {
        "empty.jpg": (b"", "the file is empty"),
        "notes.txt": (b"just some text\n", "not an image (looks like text)"),
        "scan.pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF is not supported"),
        "photo.tif": (b"II*\x00\x08\x00\x00\x00" + b"\x00" * 64, "TIFF is not supported"),
        "phone.heic": (b"\x00\x00\x00\x18ftypheic" + b"\x00" * 64, "HEIC is not supported"),
        "cut.jpg": (cat[: len(cat) // 3], "truncated JPEG"),
        "bomb.png": (png_header(20_000, 20_000), "megapixels; the limit is"),
        "junk.bin": (b"\xfe\xed\x00\x01" * 100, "unrecognised file format"),
    }
    at = open_page(PAGE, query={**FAST, "engine": "eager", "cam": "0"})
    at.pills(key="cls_samples").set_value([])
    uploads = [(name, data, "application/octet-stream") for name, (data, _) in bad.items()]
    uploads.append(("good.jpg", get_sample("coffee.jpg").read_bytes(), "image/jpeg"))
    by_key(at.file_uploader, "cls_uploads").set_value(uploads)
    at.run()
    assert_no_exception(at)
    errors = [str(e.value) for e in at.error]
    for name, (_, reason) in bad.items():
        mine = [
            e for e in errors if e.startswith(f"**{md(name)}**: ")
        ]  # names and reasons shown escaped
        assert len(mine) == 1 and md(reason) in mine[0], (name, errors)
    assert any(h.startswith("good.jpg: ") for h in subheaders(at))


def test_untrained_fallback_banner_and_sidebar_weights_upload(offline, tmp_path):
    at = open_page(PAGE, query=FAST)
    banner = " ".join(str(e.value) for e in at.error)
    assert w.UNTRAINED_LABEL in banner and "Ask the teacher" in banner
    # the server's paths and what failed are for the server's log, not for every student (issue 16)
    assert str(w.hub_checkpoint_dir()) not in banner and "could not download" not in banner
    assert any(h.startswith("cat.jpg: ") for h in subheaders(at))  # timings still real
    assert "Inference (median)" in texts(at)

    by_key(at.file_uploader, "cls_weights_file").set_value(
        ("model.pth", b"not weights", "application/octet-stream")
    )
    at.run()
    assert_no_exception(at)
    assert any(
        md("'model.pth' is not a PyTorch weights file") in str(e.value) for e in at.sidebar.error
    )

    torch.manual_seed(3)
    buffer = io.BytesIO()
    torch.save(mobilenet_v2().state_dict(), buffer)
    by_key(at.file_uploader, "cls_weights_file").set_value(
        ("mine.pth", buffer.getvalue(), "application/octet-stream")
    )
    at.run()
    assert_no_exception(at)
    assert md("mine.pth (uploaded file)") in texts(at)
    assert not any(w.UNTRAINED_LABEL in str(e.value) for e in at.error)


def test_engine_comparison_layer_profile_and_batch(offline):
    at = open_page(PAGE, query={**FAST, "cam": "0"})
    at.pills(key="cls_samples").set_value(["cat.jpg", "coffee.jpg"])
    at.run()
    at.button(key="cls_compare").click()
    at.run(timeout=180)
    assert_no_exception(at)
    table = at.dataframe[-1].value
    assert list(table["engine"]) == [
        "eager PyTorch",
        "TorchScript frozen + optimize_for_inference",
        "ONNX Runtime",
        "int8 ONNX Runtime (static quantization)",
    ]
    floats = table[
        table["engine"] != "int8 ONNX Runtime (static quantization)"
    ]  # int8 is compared, not equal
    assert floats["top-5 = eager's"].all() and (floats["max prob. diff vs eager"] < 1e-3).all()
    assert table["median (ms)"].notna().all() and (table["error"] == "").all()

    at.button(key="cls_profile").click()
    at.run(timeout=120)
    assert_no_exception(at)
    shares = {
        s.kind: s
        for s in layer_timing.group_by_kind(
            layer_timing.profile_layers(mobilenet_v2(), torch.zeros(1, 3, 224, 224), runs=1)
        )
    }
    expected = f"do **{shares['depthwise'].mac_share * 100:.1f}% of the MACs**"
    assert expected in texts(at)

    at.button(key="cls_batch").click()
    at.run(timeout=120)
    assert_no_exception(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Batch size"] == "2" and metrics["Throughput"].endswith("images/s")


def test_bad_link_settings_fall_back_with_a_warning(offline):
    at = open_page(PAGE, query={"engine": "tensorrt", "runs": "0"})
    assert any("'engine'" in str(m.value) and "'runs'" in str(m.value) for m in at.warning)
    assert by_key(at.slider, "cls_runs").value == 5  # the default


def test_many_images_cap_the_timed_runs_so_one_student_cannot_hold_the_cpu(offline):
    at = open_page(PAGE, query={"runs": "100", "engine": "eager", "cam": "0"})
    names = ["cat.jpg", "coffee.jpg", "rocket.jpg", "camera.jpg", "coins.jpg", "bricks.jpg"]
    at.pills(key="cls_samples").set_value(names)
    at.run()
    assert_no_exception(at)
    runs = 60 // len(names)
    assert f"timing {runs} runs per image instead of 100" in texts(at)
    inference = next(m for m in at.metric if m.label == "Inference (median)")
    assert f"{runs} timed runs per image" in inference.proto.help


@pytest.mark.parametrize("present, open_", [("0", True), ("1", False)])
def test_results_table_opens_for_several_photos_but_stays_folded_on_the_projector(
    offline, present, open_
):
    at = open_page(PAGE, query={**FAST, "engine": "eager", "cam": "0", "present": present})
    at.pills(key="cls_samples").set_value(["cat.jpg", "coffee.jpg"])
    at.run()
    assert_no_exception(at)
    table = next(e for e in at.expander if e.label == "Results table")
    assert table.proto.expanded is open_
    # the table is built only while its box is open (a folded one would still load the grid)
    assert [list(d.value["image"]) for d in table.dataframe] == (
        [["cat.jpg", "coffee.jpg"]] if open_ else []
    )


def test_adding_a_photo_times_only_the_new_one_until_the_student_asks_to_time_all_again(
    offline, monkeypatch
):
    from mobilenet_viz.runtime import cam

    maps = []
    real_cam = cam.class_activation_map
    monkeypatch.setattr(
        cam, "class_activation_map", lambda *a, **k: maps.append(1) or real_cam(*a, **k)
    )
    at = open_page(
        PAGE, query={**FAST, "engine": "eager"}
    )  # the cat sample is classified on opening
    assert not maps and cam_pictures(at) == 1  # from the warm-up run: no CAM pass of its own
    assert "timed earlier" not in texts(at)
    by_key(at.file_uploader, "cls_uploads").set_value(
        [("mine.jpg", get_sample("coffee.jpg").read_bytes(), "image/jpeg")]
    )
    at.run()
    assert_no_exception(at)
    shown = texts(at)
    assert "1 of 2 images were timed earlier in this session" in shown
    assert (
        shown.count("· timed at ") == 1
    )  # the cat's caption says when it was timed; the new photo's does not
    assert any(h.startswith("mine.jpg: ") for h in subheaders(at))
    assert not maps and cam_pictures(at) == 2  # the cat's CAM was kept with its result
    at.button(key="cls_time_again").click()
    at.run()
    assert_no_exception(at)
    assert "timed earlier" not in texts(at) and "· timed at " not in texts(at)


def hostile_uploads() -> dict[str, tuple[bytes, str | None]]:
    """Issue 7's list of hostile photo uploads: name -> (bytes, expected error text or None = classified)."""
    import numpy as np
    from PIL import Image

    cat = get_sample("cat.jpg").read_bytes()
    palette = Image.new("P", (64, 48), 1)
    palette.putpalette([255, 255, 255, 200, 30, 40] + [0, 0, 0] * 254)
    frames = [Image.new("RGB", (32, 32), c) for c in ((255, 0, 0), (0, 0, 255))]
    animated = _animated_gif(frames)
    exif = Image.Exif()
    exif[0x0112] = 6
    noise = np.random.default_rng(7).integers(0, 256, (2150, 2150, 3), dtype=np.uint8)
    nine_mb = encode(Image.fromarray(noise), "JPEG", quality=100)
    assert 8_500_000 < len(nine_mb) < 10_000_000, len(
        nine_mb
    )  # a valid photo just under the 10 MB cap
    return {
        "empty.jpg": (b"", "the file is empty"),
        "essay.jpg": (
            b"Dear teacher, this is not a photo.\n" * 20,
            "not an image (looks like text)",
        ),
        "truncated.jpg": (cat[: len(cat) // 2], "truncated JPEG"),
        "huge_header.png": (png_header(50_000, 50_000), "megapixels; the limit is"),
        "drawing.svg": (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', "SVG"),
        "sixteen_bit.png": (
            encode(Image.fromarray(np.full((48, 64), 40000, np.uint16)), "PNG"),
            None,
        ),
        "cmyk.jpg": (encode(Image.new("CMYK", (64, 48), (0, 200, 200, 0)), "JPEG"), None),
        "palette_alpha.png": (encode(palette, "PNG", transparency=0), None),
        "animated.gif": (animated, None),
        "rotated.jpg": (
            encode(Image.new("RGB", (80, 40), (10, 120, 10)), "JPEG", exif=exif.tobytes()),
            None,
        ),
        "one_pixel.png": (encode(Image.new("RGB", (1, 1), (90, 90, 90)), "PNG"), None),
        "strip.png": (encode(Image.new("RGB", (10_000, 10), (90, 90, 90)), "PNG"), None),
        "nine_mb.jpg": (nine_mb, None),
    }


def _animated_gif(frames) -> bytes:
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def test_every_hostile_upload_from_the_classroom_list_ends_clearly_and_the_session_keeps_working(
    offline,
):
    cases = hostile_uploads()
    at = open_page(PAGE, query={"runs": "1", "engine": "eager", "cam": "0"})
    at.pills(key="cls_samples").set_value([])
    by_key(at.file_uploader, "cls_uploads").set_value(
        [(name, data, "application/octet-stream") for name, (data, _) in cases.items()]
    )
    at.run(timeout=300)
    assert_no_exception(at)
    errors = [str(e.value) for e in at.error if str(e.value).startswith("**")]
    classified = {h.split(": ")[0] for h in subheaders(at)}
    for name, (_, reason) in cases.items():
        mine = [
            e for e in errors if e.startswith(f"**{md(name)}**: ")
        ]  # names and reasons shown escaped
        if reason is None:
            assert md(name) in classified and not mine, (name, mine)
        else:
            assert len(mine) == 1 and md(reason) in mine[0], (name, errors)
    notes = texts(at)
    for said in (
        "animated GIF: using its first frame",
        "rotated per EXIF",
        "CMYK converted to RGB",
        "16-bit image scaled to 8-bit",
        "transparency composited on white",
    ):
        assert said in notes  # what was done to each photo is said
    # the session keeps working: another setting, another run
    by_key(at.slider, "cls_top").set_value(3)
    at.run(timeout=300)
    assert_no_exception(at)
    assert {h.split(": ")[0] for h in subheaders(at)} == classified


def test_hostile_weights_uploads_are_refused_no_code_runs_and_the_page_keeps_classifying(
    offline, tmp_path
):
    sentinel = tmp_path / "pwned"
    ten_classes = mobilenet_v2(num_classes=10).state_dict()
    resnet_like = {"conv1.weight": torch.zeros(64, 3, 7, 7), "fc.weight": torch.zeros(1000, 512)}
    cases = {
        "evil.pth": (
            _saved({"features.0.0.weight": Exploit(sentinel)}),
            "refused: it contains pickled Python objects",
        ),
        "scripted.pt": (_torchscript_bytes(), "TorchScript archive"),
        "noise.pth": (bytes(range(256)) * 64, "not a PyTorch weights file"),
        "resnet.pth": (_saved(resnet_like), "314 missing"),
        "ten_classes.pth": (_saved(ten_classes), "expected [1000, 1280]"),
    }
    at = open_page(PAGE, query=FAST)
    for name, (data, reason) in cases.items():
        by_key(at.file_uploader, "cls_weights_file").set_value(
            (name, data, "application/octet-stream")
        )
        at.run()
        assert_no_exception(at)
        sidebar = " ".join(str(e.value) for e in at.sidebar.error)
        assert md(name) in sidebar and md(reason) in sidebar, (name, sidebar)
        assert any("Uploaded weights not used: " in str(e.value) for e in at.error), name
        assert any(h.startswith("cat.jpg: ") for h in subheaders(at)), (
            name
        )  # still classified, with the app's model
        assert md(f"{name} (uploaded file)") not in texts(at)
    assert not sentinel.exists()


def test_int8_engine_classifies_and_says_untrained_int8_is_meaningless_too(offline):
    at = open_page(PAGE, query={**FAST, "engine": "int8", "cam": "0"}, timeout=240)
    assert any(h.startswith("cat.jpg: ") for h in subheaders(at))
    assert any(
        "int8 model is quantized from the untrained weights: its predictions are meaningless too"
        in str(w_.value)
        for w_ in at.warning
    )
    assert "int8 ONNX Runtime (static quantization)" in texts(
        at
    )  # the timing caption names the engine


def cam_pictures(at) -> int:
    """How many pictures captioned 'CAM' the page shows."""
    return sum(img.caption == "CAM" for el in at.get("image") for img in el.proto.imgs)


# optimized: its warm-up run gives no features, so the page runs the CAM once for every student;
# onnx (the default): each student's warm-up run gives it, and no CAM pass runs at all
@pytest.mark.parametrize("engine, cam_passes", [("optimized", 1), ("onnx", 0)])
def test_a_second_student_with_the_same_photo_reuses_its_cam_but_times_it_again(
    offline, monkeypatch, engine, cam_passes
):
    from mobilenet_viz.runtime import cam, classify

    maps, timed = [], []
    real_cam, real_time = cam.class_activation_map, classify.time_runs
    monkeypatch.setattr(
        cam, "class_activation_map", lambda *a, **k: maps.append(1) or real_cam(*a, **k)
    )
    monkeypatch.setattr(
        classify, "time_runs", lambda *a, **k: timed.append(1) or real_time(*a, **k)
    )
    query = {**FAST, "engine": engine}
    first = open_page(PAGE, query=query)  # two students open the page: the cat sample each
    second = open_page(PAGE, query=query)
    assert len(maps) == cam_passes  # the CAM is a function of the model, the photo and the class
    assert len(timed) == 2  # the timing is measured for each student, never cached
    for at in (first, second):
        assert cam_pictures(at) == 1
        shown = texts(at)
        assert "Inference median" in shown and "timed at" not in shown
        assert any(h.startswith("cat.jpg: ") for h in subheaders(at))
