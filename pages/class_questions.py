"""Class questions: the teacher asks a question computed by the library, students answer on their
phones, the projector shows the answers live and then the worked answer."""

from __future__ import annotations

import streamlit as st

from mobilenet_viz.analytic import architectures, blocks
from mobilenet_viz.analytic.costs import ConvConfig
from mobilenet_viz.classroom import class_questions, class_store
from mobilenet_viz.classroom.class_questions import Question
from mobilenet_viz.figures.class_questions import answers_figure
from ui import classroom, join_qr, presenter, stage
from ui.params import PageParams
from ui.routing import through_router
from ui.text import md

through_router()  # a deep link that is a fresh server's first request still goes through app.py

URL_PATH = "class_questions"
STUDENT_REFRESH = "3s"  # how often a student's phone looks for a new question (one small query)
TEACHER_REFRESH = "2s"  # how often the projector redraws the live answers
PARAMS = PageParams("cls", {"code": classroom.CodeParam()})
BLOCKS = {p.label: p.config for p in blocks.mobilenet_v2_presets()}
ALPHAS = (0.35, 0.5, 0.75, 1.0, 1.4)
RESOLUTIONS = (224, 192, 160, 128)

st.title("Class questions")
st.caption(
    "The teacher asks a question whose answer the app computes with its own formulas; students "
    "answer on their phones with the class code; the projector shows the answers as they arrive, "
    "then the worked answer."
)
PARAMS.restore()
me = classroom.session_id()
store = classroom.store()


def current_code() -> str | None:
    """The typed class code, normalised, or None (with a one-line message when malformed)."""
    raw = st.session_state.get(PARAMS.key("code"), "")
    if not raw.strip():
        return None
    try:
        code = class_store.normalize_code(raw)
    except class_store.Refused as exc:
        st.error(f"{md(raw)}: {exc}.", icon=":material/error:")
        return None
    if not store.class_exists(code):
        st.error(
            f"No class with code {code} on this server (classes end after "
            f"{class_store.RETENTION_DAYS} days): check the code on the projector.",
            icon=":material/error:",
        )
        return None
    return code


def show_question(live, heading: str = "Question") -> Question:
    """The live question's heading and prompt (students and projector alike); returns it."""
    q = Question.from_dict(live.body)
    st.subheader(heading)
    st.markdown(q.prompt)
    return q


def show_worked_answer(q: Question) -> None:
    st.success(f"Answer: **{md(q.answer_text())}**", icon=":material/check_circle:")
    st.markdown(q.explanation)
    for line in q.latex:
        st.latex(line)


# -- students -----------------------------------------------------------------------------------


def seen_key(code: str) -> str:
    return f"cls_seen_{code}"


@st.fragment(run_every=STUDENT_REFRESH)
def watch_for_changes(code: str) -> None:
    """Runs every few seconds on a student's phone: a new question or a revealed answer reruns
    the page (one small query per run; the page itself is drawn only when something changed)."""
    live = store.current_question(code)
    state = (live.id, live.revealed) if live else None
    if st.session_state.get(seen_key(code), "unset") != state:
        st.rerun(scope="app")


def answer_form(code: str, live, q: Question) -> None:
    """The student's answer box: a choice or a number, sent once."""
    with st.form(f"cls_answer_form_{live.id}", clear_on_submit=False, border=True):
        if q.answer_type == "choice":
            given = st.radio("Your answer", q.choices, index=None, key=f"cls_choice_{live.id}")
        else:
            given = st.text_input(
                f"Your answer ({q.unit}; {q.tolerance_text()})",
                key=f"cls_number_{live.id}",
                max_chars=class_questions.MAX_ANSWER_CHARS,
                placeholder="e.g. 51380224 or 51.4M",
            )
        sent = st.form_submit_button("Send my answer", type="primary", icon=":material/send:")
    if sent:
        try:
            stored, correct = class_questions.grade(q, given if given is not None else "")
            name = st.session_state.get("cls_name", "")
            store.answer(code, live.id, me, stored, correct, name=name)
        except ValueError as exc:  # a malformed number, no choice, or refused by the store
            st.error(f"{md(exc)}.", icon=":material/error:")
        else:
            st.rerun()


def student_view(code: str) -> None:
    """The question and the answer box (then the worked answer once the teacher reveals it)."""
    live = store.current_question(code)
    st.session_state[seen_key(code)] = (live.id, live.revealed) if live else None
    watch_for_changes(code)
    if live is None:
        st.info(
            "Waiting for the teacher's first question… it appears here by itself.",
            icon=":material/hourglass_top:",
        )
        return
    q = show_question(live)
    mine = store.my_answer(code, live.id, me)
    if mine is not None:
        given = q.given_text(mine.answer, mine.correct, live.revealed)
        st.info(f"Your answer: **{md(given)}**", icon=":material/how_to_vote:")
    elif live.revealed:
        st.caption("The answer has been revealed: this question is closed.")
    else:
        answer_form(code, live, q)
    if live.revealed:
        show_worked_answer(q)


# -- the teacher --------------------------------------------------------------------------------


def build_question() -> Question | None:
    """The question builder: topic, configuration, question; None after a one-line error."""
    topic = st.radio(
        "Topic",
        list(class_questions.TOPICS),
        format_func=class_questions.TOPICS.get,
        horizontal=True,
        key="cls_topic",
    )
    kinds = class_questions.KINDS[topic]
    kind = st.selectbox("Question", list(kinds), format_func=kinds.get, key=f"cls_kind_{topic}")
    with presenter.more_controls("the configuration"):
        try:
            if topic == "layer":
                cols = st.columns(3)
                d_f = cols[0].number_input("D_F (input)", 1, 1024, 14, key="cls_input_size")
                m = cols[1].number_input("M (in)", 1, 4096, 512, key="cls_in_channels")
                n = cols[2].number_input("N (out)", 1, 4096, 512, key="cls_out_channels")
                k = cols[0].number_input("D_K (kernel)", 1, 15, 3, key="cls_kernel")
                s = cols[1].radio("Stride s", (1, 2), horizontal=True, key="cls_stride")
                config = ConvConfig(int(d_f), int(m), int(n), int(k), int(s))
                return class_questions.layer_question(kind, config)
            if topic == "block":
                label = st.selectbox(
                    "MobileNetV2 block (224×224, Table 2)", list(BLOCKS), index=2, key="cls_block"
                )
                return class_questions.block_question(kind, BLOCKS[label])
            cols = st.columns(3)
            model = cols[0].selectbox(
                "Network",
                architectures.MODELS,
                format_func=architectures.MODEL_NAMES.get,
                key="cls_model",
            )
            alpha = cols[1].selectbox("Width α", ALPHAS, index=3, key="cls_alpha")
            resolution = cols[2].selectbox("Resolution", RESOLUTIONS, key="cls_resolution")
            return class_questions.network_question(kind, model, float(alpha), int(resolution))
        except ValueError as exc:
            st.error(f"{md(exc)}.", icon=":material/error:")
            return None


@st.fragment(run_every=TEACHER_REFRESH)
def live_answers(code: str) -> None:
    """The projector's panel, redrawn every few seconds: the question, the answers so far
    (histogram, % correct), and the reveal button, then the worked answer."""
    live = store.current_question(code)
    if live is None:
        st.markdown(f"### Class code: `{code}`")
        st.caption("No question yet: students join with this QR code or the code.")
        link, base = join_qr.join_link(URL_PATH)
        join_qr.show_qr(link, base, width=420 if presenter.is_on() else 300)  # for the back rows
        return
    q = show_question(live, f"Question · class code {code}")  # for students who join late
    answers = store.answers(code, live.id)
    cols = st.columns(2)
    cols[0].metric("Answers", len(answers))
    share = class_questions.share_correct([a.correct for a in answers])
    cols[1].metric("Correct", share, help=q.tolerance_text() or None)
    bars = class_questions.tally(q, [(a.answer, a.correct) for a in answers])
    title = "Answers so far" if not live.revealed else "Final answers"
    stage.chart(answers_figure(bars, title, revealed=live.revealed), key=f"cls_chart_{live.id}")
    if not live.revealed:
        st.button(
            "Reveal the answer",
            type="primary",
            icon=":material/visibility:",
            key=f"cls_reveal_{live.id}",
            on_click=store.reveal,
            args=(code, live.id),
        )  # a callback: the next run shows it revealed
    else:
        show_worked_answer(q)
    names = [a.name for a in answers if a.name]
    if names:
        with st.expander(f"Who answered ({len(names)} named)", expanded=False):
            st.markdown(", ".join(md(n) for n in names))


def start_class() -> None:
    """The *Start a class* button's callback (before the code box is drawn, so it can fill it)."""
    try:
        st.session_state[PARAMS.key("code")] = store.create_class()
    except class_store.Refused as exc:
        st.session_state["cls_start_error"] = f"{exc}."


def ask(code: str, question: dict) -> None:
    """The *Ask* button's callback: runs before the page, so the projector's panel (drawn before
    the question builder) already shows the new question."""
    try:
        store.start_question(code, question)
    except class_store.Refused as exc:
        st.session_state["cls_ask_error"] = f"{exc}."


def teacher_controls(code: str | None) -> None:
    """Start a class, or build and ask a question (the class's QR code folded below)."""
    if code is None:
        st.markdown("Start a class to get a code and a QR code for the students.")
        st.button(
            "Start a class", type="primary", icon=":material/groups:", key="cls_start",
            on_click=start_class,
        )  # fmt: skip
        if st.session_state.get("cls_start_error"):
            st.error(st.session_state.pop("cls_start_error"), icon=":material/error:")
        return
    question = build_question()
    if question is not None:
        st.button(
            "Ask this question", type="primary", icon=":material/quiz:", key="cls_ask",
            on_click=ask, args=(code, question.to_dict()),
        )  # fmt: skip
    if st.session_state.get("cls_ask_error"):
        st.error(st.session_state.pop("cls_ask_error"), icon=":material/error:")
    if store.current_question(code) is not None:  # before the first one it is the panel's
        with st.expander(f"Join: class {code}", icon=":material/qr_code_2:"):
            link, base = join_qr.join_link(URL_PATH)
            join_qr.show_qr(link, base, width=300)


teacher = classroom.is_teacher()
controls, visual = stage.frame(
    label=":material/quiz: **Your class**" if teacher else ":material/login: **Join the class**"
)
with controls:
    st.text_input(
        "Class code",
        key=PARAMS.key("code"),
        max_chars=12,
        placeholder="e.g. K7QPM",
        help="Shown on the projector; the QR code fills it in.",
    )
    if not teacher:
        st.text_input(
            "Your name (optional, shown to the teacher)",
            key="cls_name",
            max_chars=class_store.MAX_NAME_CHARS,
        )
PARAMS.share()  # before the QR code: the student link carries the class code
with visual:
    code = current_code()
    if teacher and code is not None:
        live_answers(code)  # the projector's histogram beside the question controls
    elif teacher:
        st.info("Start a class: its code and QR code appear here.", icon=":material/groups:")
    elif code is not None:
        student_view(code)  # the question and the answer box: first on a phone
    elif not st.session_state.get(PARAMS.key("code"), "").strip():
        st.info(
            "Type the class code shown on the projector, or scan its QR code.",
            icon=":material/qr_code_2:",
        )
if teacher:
    with controls:
        teacher_controls(code)
else:
    classroom.teacher_login()
