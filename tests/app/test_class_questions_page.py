"""The Class page: a teacher with the PIN starts a class and a question, two student sessions
answer, the teacher sees the counts and % correct, then reveals the worked answer."""

from __future__ import annotations

import pytest

from mobilenet_viz.analytic.costs import ConvConfig
from mobilenet_viz.classroom import class_questions
from mobilenet_viz.classroom.teacher_pin import process_gate
from tests.app.helpers import assert_no_exception, by_key, open_page, texts

PAGE = "pages/class_questions.py"


@pytest.fixture(autouse=True)
def data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("MOBILENET_VIZ_DATA_DIR", str(tmp_path))
    return tmp_path


def submit(at, label: str):
    next(b for b in at.button if b.label == label).click()
    at.run()
    assert_no_exception(at)
    return at


def unlocked_teacher():
    at = open_page(PAGE)
    at.text_input(key="cls_pin").input(process_gate().pin)
    submit(at, "Unlock")
    assert at.session_state["cls_teacher"] is True
    return at


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_teacher_asks_two_students_answer_teacher_sees_counts_then_reveals():
    teacher = unlocked_teacher()
    submit(teacher, "Start a class")
    code = teacher.session_state["cls_code"]
    assert len(code) == 5 and teacher.query_params["code"] == code
    assert f"Class code: `{code}`" in texts(teacher)
    # The default question: the pointwise conv of MobileNet's Table 3 layer (14x14x512 -> 512, 3x3).
    submit(teacher, "Ask this question")
    expected = class_questions.layer_question("pointwise_macs", ConvConfig(14, 512, 512, 3))
    assert expected.value == 512 * 512 * 14 * 14
    assert "pointwise (1×1) conv" in texts(teacher)

    right = open_page(PAGE, {"code": code})  # a student opening the QR link
    assert "pointwise (1×1) conv" in texts(right)
    right.text_input(key="cls_name").input("Ana")
    answer_box = next(t for t in right.text_input if t.key.startswith("cls_number_"))
    answer_box.input("51,380,224")
    submit(right, "Send my answer")
    assert "Your answer: **51,380,224**" in texts(right)

    wrong = open_page(PAGE, {"code": code.lower()})  # codes are case-insensitive
    next(t for t in wrong.text_input if t.key.startswith("cls_number_")).input(
        "102.76M"
    )  # FLOPs, not MACs
    submit(wrong, "Send my answer")
    # A second answer from the same session is refused: the first one counts (no form any more).
    assert not any(t.key.startswith("cls_number_") for t in wrong.text_input)

    teacher.run()
    assert metric(teacher, "Answers") == "2"
    assert metric(teacher, "Correct") == "50%"
    assert "Ana" in texts(teacher)

    submit(teacher, "Reveal the answer")
    assert "Answer: **51,380,224 MACs" in texts(teacher)
    assert any(r"M \cdot N \cdot D_O \cdot D_O" in e.value for e in teacher.latex)
    right.run()
    assert "✓ correct" in texts(right)
    wrong.run()
    assert "✗ not this time" in texts(wrong)


def test_multiple_choice_residual_question_counts_choices():
    teacher = unlocked_teacher()
    submit(teacher, "Start a class")
    code = teacher.session_state["cls_code"]
    teacher.radio(key="cls_topic").set_value("block").run()
    teacher.selectbox(key="cls_kind_block").set_value("residual").run()
    label = next(k for k in teacher.selectbox(key="cls_block").options if k.startswith("Block 3:"))
    teacher.selectbox(key="cls_block").set_value(label).run()
    submit(teacher, "Ask this question")
    student = open_page(PAGE, {"code": code})
    radio = next(r for r in student.radio if r.key.startswith("cls_choice_"))
    assert list(radio.options) == list(class_questions.RESIDUAL_CHOICES)
    radio.set_value("Yes: x + F(x)")  # block 3: 56x56x24, t = 6, -> 24, stride 1: a residual
    submit(student, "Send my answer")
    teacher.run()
    assert metric(teacher, "Correct") == "100%"


def test_wrong_pin_is_refused_and_attempts_are_bounded():
    at = open_page(PAGE)
    for left in (4, 3, 2, 1, 0):
        at.text_input(key="cls_pin").input("not-the-pin")
        submit(at, "Unlock")
        assert (
            at.session_state["cls_teacher"] is not True
            if "cls_teacher" in at.session_state
            else True
        )
        assert f"Wrong PIN ({left} " in texts(at)
    at.text_input(key="cls_pin").input(
        process_gate().pin
    )  # even the right PIN: this session is out of tries
    submit(at, "Unlock")
    assert "5 wrong PINs in this session" in texts(at)
    assert not at.session_state["cls_teacher"] if "cls_teacher" in at.session_state else True
    assert not any(b.label == "Start a class" for b in at.button)


def test_class_code_from_the_url_and_bad_codes():
    teacher = unlocked_teacher()
    submit(teacher, "Start a class")
    code = teacher.session_state["cls_code"]
    student = open_page(PAGE, {"code": code})
    assert by_key(student.text_input, "cls_code").value == code
    assert "Waiting for the teacher's first question" in texts(student)

    unknown = open_page(PAGE, {"code": "ZZZZZ" if code != "ZZZZZ" else "YYYYY"})
    assert "No class with code" in texts(unknown)
    hostile = open_page(PAGE, {"code": "![x](http://evil/x.png)"})
    assert "Some settings in the link could not be used" in texts(hostile)
    assert "http://evil" not in texts(hostile)  # escaped: http:\/\/evil
