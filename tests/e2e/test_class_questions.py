"""Class questions in a real browser: a teacher (PIN from the server's terminal) and two students
on phones on one server; the join QR code is decoded to the student link and opened."""

from __future__ import annotations

import io
import re
import subprocess
import time

import pytest
from PIL import Image

from tests.e2e.conftest import (
    ARTIFACTS,
    assert_no_exception,
    free_port,
    screenshot,
    start_server,
    wait_for_app,
    wait_for_query,
)

pytestmark = pytest.mark.e2e
zxingcpp = pytest.importorskip("zxingcpp")


@pytest.fixture(scope="module")
def class_server(browser, tmp_path_factory):
    ARTIFACTS.mkdir(exist_ok=True)
    port = free_port()
    data = tmp_path_factory.mktemp("class-data")
    proc = start_server(
        port, {"MOBILENET_VIZ_DATA_DIR": str(data), "MOBILENET_VIZ_TEACHER_PIN": ""}
    )
    yield f"http://127.0.0.1:{port}", ARTIFACTS / f"server-{port}.log"
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def printed_pin(log) -> str:
    """The PIN as the teacher reads it in the terminal where the server runs."""
    deadline = time.time() + 60
    while time.time() < deadline:
        match = re.search(r"teacher PIN for the Class questions page: (\d{6})", log.read_text())
        if match:
            return match.group(1)
        time.sleep(0.3)
    raise AssertionError("no teacher PIN in the server's output")


def decode(locator) -> str:
    image = Image.open(io.BytesIO(locator.screenshot())).convert("L")
    found = zxingcpp.read_barcodes(image)
    assert len(found) == 1, f"{len(found)} QR codes decoded"
    return found[0].text


def test_teacher_and_two_students(browser, class_server):
    url, log = class_server
    # The teacher's laptop drives the projector: presenter mode at 1920x1080.
    teacher = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    teacher.goto(f"{url}/class_questions?present=1")
    wait_for_app(teacher)
    teacher.get_by_text("Teacher: unlock the controls").click()
    teacher.get_by_label("Teacher PIN").fill("000000" if printed_pin(log) != "000000" else "111111")
    teacher.get_by_role("button", name="Unlock").click()
    wait_for_app(teacher)
    teacher.get_by_text("Wrong PIN (4 tries left in this session).").wait_for(timeout=60_000)
    teacher.get_by_label("Teacher PIN").fill(printed_pin(log))
    teacher.get_by_role("button", name="Unlock").click()
    teacher.get_by_role("button", name="Start a class").click()
    wait_for_app(teacher)
    query = wait_for_query(teacher, "code=")
    code = re.search(r"code=([A-Z2-9]{5})", query).group(1)

    # The QR code on the page decodes to the student link: this page, the class code, no present=1.
    main_qr = teacher.locator('[data-testid="stMain"] [data-testid="stImage"] img').first
    main_qr.wait_for()
    link = decode(main_qr)
    assert link == f"{url}/class_questions?code={code}"
    # Served on 127.0.0.1 only, so the page says why the link is not a LAN address.
    assert (
        teacher.locator('[data-testid="stMain"]')
        .get_by_text("--server.address 0.0.0.0")
        .is_visible()
    )

    teacher.get_by_role("button", name="Ask this question").click()
    teacher.get_by_text("pointwise (1×1) conv").first.wait_for(timeout=60_000)

    phones = []
    for name, answer in (("Ana", "51,380,224"), ("Ben", "102760448")):
        phone = browser.new_context(
            viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
        ).new_page()
        phone.goto(link)  # what the camera app opens
        wait_for_app(phone)
        assert phone.get_by_role("textbox", name="Class code").input_value() == code
        # The question and the answer box come first on a phone, the code/name box after them.
        answer_box = phone.get_by_label(re.compile("Your answer")).bounding_box()
        code_box = phone.get_by_role("textbox", name="Class code").bounding_box()
        assert answer_box["y"] < code_box["y"] and answer_box["y"] + answer_box["height"] <= 844
        phone.get_by_label("Your name (optional, shown to the teacher)").fill(name)
        phone.get_by_label(re.compile("Your answer")).fill(answer)
        phone.get_by_role("button", name="Send my answer").click()
        wait_for_app(phone)
        phone.get_by_text("Your answer:").wait_for()
        assert_no_exception(phone)
        overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{overflow}px of sideways scrolling on a phone"
        phones.append(phone)
    screenshot(phones[0], "class/student_390x844")

    # The projector updates by itself (st.fragment run_every): no click on the teacher's page.
    teacher.get_by_text("50%").wait_for(timeout=60_000)
    metrics = teacher.locator('[data-testid="stMetricValue"]').all_inner_texts()
    assert metrics[:2] == ["2", "50%"]
    # The projector: the live histogram beside the question controls, inside the first screen.
    chart = teacher.locator('.st-key-mnl-visual figure[data-chart="answers"]').bounding_box()
    controls = teacher.locator(".st-key-mnl-controls").bounding_box()
    assert controls["x"] + controls["width"] <= chart["x"]
    assert chart["y"] >= 0 and chart["y"] + chart["height"] <= 1080
    screenshot(teacher, "class/teacher_1920x1080_present")
    teacher.get_by_role("button", name="Reveal the answer").click()
    teacher.get_by_text("Answer: 51,380,224 MACs").wait_for(timeout=60_000)
    # ... and the phones show the worked answer by themselves.
    phones[0].get_by_text("✓ correct").wait_for(timeout=60_000)
    phones[1].get_by_text("✗ not this time").wait_for(timeout=60_000)
    # The worked answer's formulas: KaTeX's code loads lazily, after the text above has drawn.
    phones[1].locator(".katex").first.wait_for(timeout=60_000)
    overflow = phones[1].evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow}px of sideways scrolling with the worked answer on a phone"
    screenshot(phones[1], "class/student_revealed_390x844")
    assert_no_exception(teacher)


def test_sidebar_qr_is_the_share_box_student_link(browser, class_server):
    url, _ = class_server
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    page.goto(f"{url}/separable?kernel=5&present=1")
    wait_for_app(page)
    wait_for_query(page, "kernel=5")
    sidebar = page.locator('[data-testid="stSidebar"]')
    if (
        not sidebar.is_visible() or sidebar.bounding_box()["x"] < 0
    ):  # presenter mode folds the sidebar away
        page.locator('[data-testid="stExpandSidebarButton"]').click()
    page.get_by_text("Share this view").click()
    # the box draws its two links when opened (a rerun); the QR box's link is the third stCode
    sidebar.locator('[data-testid="stCode"]').nth(2).wait_for()
    student = sidebar.locator('[data-testid="stCode"]').first.inner_text().strip()
    assert "kernel=5" in student and "present" not in student
    qr = sidebar.locator('[data-testid="stImage"] img').first  # open by default in presenter mode
    qr.wait_for()
    assert decode(qr) == student
