"""The class store: migrations, WAL, one answer per student, isolation between classes, bounds,
and no lost answers with 30 students answering at once (threads and processes)."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading

import pytest

from mobilenet_viz.classroom import class_store
from mobilenet_viz.classroom.class_store import ClassStore, Refused


@pytest.fixture
def store(tmp_path):
    return ClassStore(tmp_path / "classes.sqlite3")


def tables(path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_migrations_from_empty_reach_the_latest_version_with_wal(tmp_path):
    path = tmp_path / "c.sqlite3"
    ClassStore(path)
    with sqlite3.connect(path) as conn:
        assert (
            conn.execute("SELECT version FROM schema_version").fetchone()[0]
            == class_store.SCHEMA_VERSION
        )
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        columns = {r[1] for r in conn.execute("PRAGMA table_info(answers)")}
    assert {"classes", "questions", "answers", "schema_version"} <= tables(path)
    assert "name" in columns
    ClassStore(path)  # opening again changes nothing
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == 1


def test_migration_from_v1_keeps_the_answers(tmp_path):
    path = tmp_path / "c.sqlite3"
    conn = class_store.connect(path)
    assert class_store.migrate(conn, target=1) == 1
    conn.execute("INSERT INTO classes VALUES ('ABCDE', 1e9)")
    conn.execute(
        "INSERT INTO questions (id, class_code, body, started_at) VALUES (1, 'ABCDE', '{}', 1e9)"
    )
    conn.execute("INSERT INTO answers VALUES (1, 'student-1', '42.0', 1, 1e9)")
    conn.close()
    store = ClassStore(path)  # v1 -> v2
    (old,) = store.answers("ABCDE", 1)
    assert (old.student_id, old.answer, old.correct, old.name) == ("student-1", "42.0", True, "")
    store.answer("ABCDE", 1, "student-2", "7.0", False, name="Ben")
    assert [a.name for a in store.answers("ABCDE", 1)] == ["", "Ben"]


def test_a_newer_schema_is_refused_not_modified(tmp_path):
    path = tmp_path / "c.sqlite3"
    ClassStore(path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(RuntimeError, match="newer"):
        ClassStore(path)


def test_one_answer_per_student_the_first_counts(store):
    code = store.create_class()
    q = store.start_question(code, {"prompt": "t·k?"})
    store.answer(code, q, "s1", "144.0", True)
    with pytest.raises(Refused, match="first answer counts"):
        store.answer(code, q, "s1", "145.0", False)
    assert [(a.answer, a.correct) for a in store.answers(code, q)] == [("144.0", True)]
    with sqlite3.connect(store.path) as conn, pytest.raises(sqlite3.IntegrityError):
        conn.execute(
            "INSERT INTO answers (question_id, student_id, answer, correct, answered_at) VALUES (?, 's1', 'x', 0, 0)",
            (q,),
        )


def test_classes_do_not_see_each_others_answers(store):
    a, b = store.create_class(), store.create_class()
    qa, qb = store.start_question(a, {"n": 1}), store.start_question(b, {"n": 2})
    store.answer(a, qa, "s1", "1.0", True)
    assert store.answers(b, qa) == []  # class b asking for class a's question gets nothing
    assert store.answers(b, qb) == []
    with pytest.raises(Refused):
        store.answer(b, qa, "s2", "1.0", True)  # class a's question through class b's code
    with pytest.raises(Refused):
        store.reveal(b, qa)
    assert store.current_question(a).body == {"n": 1} and store.current_question(b).body == {"n": 2}
    assert len(store.answers(a, qa)) == 1


def test_closed_and_revealed_questions_take_no_answers(store):
    code = store.create_class()
    first = store.start_question(code, {"n": 1})
    second = store.start_question(code, {"n": 2})
    with pytest.raises(Refused, match="moved on"):
        store.answer(code, first, "s1", "1.0", True)
    store.reveal(code, second)
    assert store.current_question(code).revealed
    with pytest.raises(Refused, match="revealed"):
        store.answer(code, second, "s1", "1.0", True)


def test_bounds(store, monkeypatch):
    code = store.create_class()
    q = store.start_question(code, {"n": 1})
    monkeypatch.setattr(class_store, "MAX_ANSWERS_PER_QUESTION", 3)
    for i in range(3):
        store.answer(code, q, f"s{i}", "1.0", True, name="x" * 500 + "\n<b>")
    with pytest.raises(Refused, match="already has 3 answers"):
        store.answer(code, q, "s9", "1.0", True)
    assert all(len(a.name) == class_store.MAX_NAME_CHARS for a in store.answers(code, q))
    with pytest.raises(Refused, match="too long"):
        store.start_question(code, {"text": "x" * 70_000})
    monkeypatch.setattr(class_store, "MAX_QUESTIONS_PER_CLASS", 2)
    store.start_question(code, {"n": 2})
    with pytest.raises(Refused, match="at most 2 questions"):
        store.start_question(code, {"n": 3})
    monkeypatch.setattr(class_store, "MAX_CLASSES", 2)
    store.create_class()
    with pytest.raises(Refused, match="classes are open"):
        store.create_class()


def test_old_classes_are_deleted_when_a_class_starts(store):
    old = store.create_class(now=1_000_000.0)
    q = store.start_question(old, {"n": 1})
    store.answer(old, q, "s1", "1.0", True)
    store.create_class(now=1_000_000.0 + class_store.RETENTION_DAYS * 86400 + 1)
    assert not store.class_exists(old)
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 0  # cascaded


@pytest.mark.parametrize("raw", ["", "ABCD", "ABCDEF", "ABCD0", "ABCD1", "AB<D>", "ÄBCDE"])
def test_malformed_codes(raw):
    with pytest.raises(Refused):
        class_store.normalize_code(raw)


def test_codes_are_read_leniently():
    assert class_store.normalize_code(" k7q-pm ") == "K7QPM"


def _answer_in_process(path: str, code: str, question: int, student: int, barrier) -> None:
    store = ClassStore(path)
    barrier.wait()
    store.answer(
        code, question, f"process-{student}", f"{student}.0", student % 2 == 0, name=f"P{student}"
    )


@pytest.mark.slow  # a fresh subprocess or 30 writers: left out of the fast subset
def test_thirty_students_answer_in_the_same_second_threads_and_processes(store):
    code = store.create_class()
    q = store.start_question(code, {"n": 1})
    errors = []
    barrier = threading.Barrier(30)

    def student(i: int) -> None:
        try:
            own = ClassStore(store.path)  # each phone's session: its own connection
            barrier.wait()
            own.answer(code, q, f"thread-{i}", f"{i}.0", i % 2 == 0, name=f"T{i}")
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=student, args=(i,)) for i in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []

    q2 = store.start_question(code, {"n": 2})
    ctx = multiprocessing.get_context("spawn")
    process_barrier = ctx.Barrier(30)
    processes = [
        ctx.Process(target=_answer_in_process, args=(str(store.path), code, q2, i, process_barrier))
        for i in range(30)
    ]
    for p in processes:
        p.start()
    for p in processes:
        p.join(120)
    assert [p.exitcode for p in processes] == [0] * 30

    by_thread = store.answers(code, q)
    by_process = store.answers(code, q2)
    assert sorted(a.student_id for a in by_thread) == sorted(f"thread-{i}" for i in range(30))
    assert sorted(a.student_id for a in by_process) == sorted(f"process-{i}" for i in range(30))
    assert sum(a.correct for a in by_process) == 15
