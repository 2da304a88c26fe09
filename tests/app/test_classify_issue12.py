"""Issue 12's Classify glitches: share link, names, duplicates, button results, labels, untrained."""

from __future__ import annotations

from mobilenet_viz.inputs.samples import get_sample
from tests.app.helpers import assert_no_exception, by_key, open_page
from ui.text import md

PAGE = "pages/classify.py"
FAST = {"runs": "2", "engine": "eager", "cam": "0"}


def cards(at) -> list[str]:
    return [str(s.value) for s in at.subheader]


def test_picked_samples_are_in_the_share_link_and_a_link_picks_them(offline):
    at = open_page(PAGE, query={**FAST, "samples": "coffee.jpg"})
    assert at.pills(key="cls_samples").value == ["coffee.jpg"]
    assert [c for c in cards(at) if c.startswith("coffee.jpg:")]
    assert not [c for c in cards(at) if c.startswith("cat.jpg:")]
    at.pills(key="cls_samples").set_value(["cat.jpg", "coffee.jpg"])
    at.run()
    assert at.query_params["samples"] == "cat.jpg,coffee.jpg"
    bad = open_page(PAGE, query={**FAST, "samples": "../secret.jpg"})
    assert any("'samples'" in str(m.value) for m in bad.warning)
    assert bad.pills(key="cls_samples").value == ["cat.jpg"]


def test_untrained_results_say_so_on_each_card(offline):
    at = open_page(PAGE, query=FAST)
    assert cards(at) and all(
        "untrained model, meaningless" in c for c in cards(at) if c.startswith("cat.jpg")
    )


def test_an_upload_named_like_a_sample_is_told_apart_and_a_file_added_twice_is_one_card(offline):
    at = open_page(PAGE, query=FAST)  # the cat sample is picked on opening
    coffee = get_sample("coffee.jpg").read_bytes()
    by_key(at.file_uploader, "cls_uploads").set_value(
        [
            ("cat.jpg", coffee, "image/jpeg"),  # same name as the sample, other photo
            ("mine.jpg", coffee, "image/jpeg"),
            ("mine.jpg", coffee, "image/jpeg"),  # the same file again
        ]
    )
    at.run()
    assert_no_exception(at)
    names = [c.split(":")[0] for c in cards(at)]
    assert names.count("cat.jpg") == 1 and names.count(md("cat.jpg (upload)")) == 1
    assert names.count("mine.jpg") == 1


def test_button_results_stay_until_settings_change_and_labels_are_short(offline):
    at = open_page(PAGE, query=FAST)
    labels = {b.key: b.label for b in at.button}
    assert (
        labels["cls_profile"] == "Profile layers" and labels["cls_batch"] == "Time as one batch (1)"
    )
    assert labels["cls_compare"] == "Compare engines"
    at.button(key="cls_compare").click()
    at.run(timeout=240)
    engines = at.dataframe[-1]
    assert len(engines.proto.column_order) <= 7  # the engine table fits 1280 px
    at.button(key="cls_profile").click()
    at.run(timeout=120)
    assert "Where the time goes, by layer type" in cards(at) and "Engines side by side" in cards(at)
    at.button(key="cls_batch").click()
    at.run(timeout=120)
    shown = cards(at)
    assert {"Engines side by side", "Where the time goes, by layer type", "Batch mode"} <= set(
        shown
    )  # all kept
    throughput = next(m for m in at.metric if m.label == "Throughput")
    assert "% vs batch 1" in throughput.delta and throughput.delta[0] in "+-"
    by_key(at.slider, "cls_runs").set_value(3)  # a setting changed: the old measurements go
    at.run(timeout=120)
    assert "Where the time goes, by layer type" not in cards(at) and "Batch mode" not in cards(at)
