"""Where live class questions and answers are kept: one SQLite file, safe for a whole class.

One file, ``classes.sqlite3``, under the data directory (``$MOBILENET_VIZ_DATA_DIR``, default
``$XDG_DATA_HOME/mobilenet-lab``, i.e. ``~/.local/share/mobilenet-lab``). SQLite in WAL mode
(write-ahead log: readers never block the writer, https://sqlite.org/wal.html); every write is one
``BEGIN IMMEDIATE`` transaction with a 30 s busy timeout, so 30 students answering in the same
second queue for the write lock for milliseconds instead of failing ("database is locked").
Every call opens its own connection (Streamlit runs each session in its own thread).

Rules the schema enforces (tests: ``tests/unit/test_class_store.py``):
- one answer per student per question: ``UNIQUE(question_id, student_id)``; a second answer is
  **refused** (the first one counts) with :class:`Refused`;
- a class sees only its own questions and answers: every read and write names the class code
  and checks that the question belongs to it;
- bounds: :data:`MAX_ANSWERS_PER_QUESTION` answers per question, :data:`MAX_QUESTIONS_PER_CLASS`
  questions per class, :data:`MAX_CLASSES` classes in the file (classes older than
  :data:`RETENTION_DAYS` days are deleted when a new class starts), names and answers cut to
  :data:`MAX_NAME_CHARS` / :data:`MAX_ANSWER_CHARS` characters, question bodies to 64 KB.

Schema migrations: :data:`MIGRATIONS` is an ordered list; ``schema_version`` holds how many have
run. Opening a store applies the missing ones in one transaction; a file written by a newer
version of the app is refused instead of being modified.
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mobilenet_viz import settings

DB_NAME = "classes.sqlite3"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: easy to read from a projector
CODE_LENGTH = 5
MAX_ANSWERS_PER_QUESTION = 300
MAX_QUESTIONS_PER_CLASS = 200
MAX_CLASSES = 2000
RETENTION_DAYS = 7
MAX_NAME_CHARS = 24
MAX_ANSWER_CHARS = 64
MAX_BODY_BYTES = 64_000
BUSY_TIMEOUT_S = 30.0

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # v1: classes, their questions, and one answer per student per question.
    (
        "CREATE TABLE classes (code TEXT PRIMARY KEY, created_at REAL NOT NULL)",
        "CREATE TABLE questions (id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " class_code TEXT NOT NULL REFERENCES classes(code) ON DELETE CASCADE,"
        " body TEXT NOT NULL, started_at REAL NOT NULL, revealed INTEGER NOT NULL DEFAULT 0)",
        "CREATE INDEX questions_by_class ON questions(class_code, id)",
        "CREATE TABLE answers (question_id INTEGER NOT NULL REFERENCES questions(id) ON DELETE CASCADE,"
        " student_id TEXT NOT NULL, answer TEXT NOT NULL, correct INTEGER NOT NULL,"
        " answered_at REAL NOT NULL, UNIQUE (question_id, student_id))",
    ),
    # v2: an optional display name per answer (the teacher's "who answered" list).
    ("ALTER TABLE answers ADD COLUMN name TEXT NOT NULL DEFAULT ''",),
)
SCHEMA_VERSION = len(MIGRATIONS)


class Refused(ValueError):
    """A user's request the store will not carry out; the message is one line for the page."""


@dataclass(frozen=True)
class LiveQuestion:
    id: int
    class_code: str
    body: dict
    started_at: float
    revealed: bool


@dataclass(frozen=True)
class Answer:
    student_id: str
    name: str
    answer: str
    correct: bool
    answered_at: float


def normalize_code(raw: str) -> str:
    """A class code as typed (any case, spaces, dashes) -> canonical; Refused if malformed."""
    code = re.sub(r"[\s-]", "", str(raw)).upper()[: CODE_LENGTH + 10]
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        raise Refused(f"a class code is {CODE_LENGTH} letters and digits, like K7QPM")
    return code


def clean_name(raw: str) -> str:
    """A display name: control characters dropped, spaces collapsed, at most MAX_NAME_CHARS."""
    name = re.sub(r"[\x00-\x1f\x7f\u2028\u2029]", "", str(raw))
    return re.sub(r"\s+", " ", name).strip()[:MAX_NAME_CHARS]


def migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Apply MIGRATIONS[current:target] in one write transaction; return the new version."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = conn.execute("SELECT version FROM schema_version").fetchone()
        current = row[0] if row else 0
        if row is None:
            conn.execute("INSERT INTO schema_version (version) VALUES (0)")
        if current > SCHEMA_VERSION:
            raise RuntimeError(
                f"the class database is schema v{current}, newer than this app's v{SCHEMA_VERSION}"
            )
        for version in range(current, target):
            for statement in MIGRATIONS[version]:
                conn.execute(statement)
        if target > current:
            conn.execute("UPDATE schema_version SET version = ?", (target,))
        conn.execute("COMMIT")
        return max(current, target)
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), WAL, busy timeout, FKs on."""
    conn = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
    )
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute(
        "PRAGMA synchronous = NORMAL"
    )  # durable at every checkpoint; WAL keeps the file consistent
    return conn


class ClassStore:
    """The classes, questions and answers in one SQLite file (see the module docstring)."""

    def __init__(self, path: Path | str | None = None):
        if path is None:
            path = settings.data_dir() / DB_NAME
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connection() as conn:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise RuntimeError(f"SQLite could not use WAL for {self.path.name} (got {mode})")
            migrate(conn)

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        conn = connect(self.path)
        try:
            yield conn
        finally:
            conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    # -- classes --------------------------------------------------------------------------------

    def create_class(self, now: float | None = None) -> str:
        """A new class with a fresh random code; old classes are deleted first (retention)."""
        now = time.time() if now is None else now
        with self._write() as conn:
            conn.execute(
                "DELETE FROM classes WHERE created_at < ?", (now - RETENTION_DAYS * 86400,)
            )
            if conn.execute("SELECT COUNT(*) FROM classes").fetchone()[0] >= MAX_CLASSES:
                raise Refused(f"{MAX_CLASSES} classes are open on this server; try again tomorrow")
            for _ in range(100):
                code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
                if conn.execute(
                    "INSERT OR IGNORE INTO classes VALUES (?, ?)", (code, now)
                ).rowcount:
                    return code
        raise RuntimeError("no free class code found")  # 32^5 codes: practically unreachable

    def class_exists(self, code: str) -> bool:
        with self._connection() as conn:
            return (
                conn.execute("SELECT 1 FROM classes WHERE code = ?", (code,)).fetchone() is not None
            )

    # -- questions ------------------------------------------------------------------------------

    def start_question(self, code: str, body: dict, now: float | None = None) -> int:
        """Make ``body`` (a question as a dict) the class's current question; its id."""
        text = json.dumps(body, ensure_ascii=False)
        if len(text.encode()) > MAX_BODY_BYTES:
            raise Refused("this question is too long to store")
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM classes WHERE code = ?", (code,)).fetchone() is None:
                raise Refused("this class has ended or does not exist; start a new one")
            count = conn.execute(
                "SELECT COUNT(*) FROM questions WHERE class_code = ?", (code,)
            ).fetchone()[0]
            if count >= MAX_QUESTIONS_PER_CLASS:
                raise Refused(
                    f"a class holds at most {MAX_QUESTIONS_PER_CLASS} questions; start a new class"
                )
            cursor = conn.execute(
                "INSERT INTO questions (class_code, body, started_at) VALUES (?, ?, ?)",
                (code, text, time.time() if now is None else now),
            )
            return int(cursor.lastrowid)

    def current_question(self, code: str) -> LiveQuestion | None:
        """The class's latest question, or None."""
        with self._connection() as conn:
            row = conn.execute(
                "SELECT id, body, started_at, revealed FROM questions WHERE class_code = ? ORDER BY id DESC LIMIT 1",
                (code,),
            ).fetchone()
        if row is None:
            return None
        return LiveQuestion(row[0], code, json.loads(row[1]), row[2], bool(row[3]))

    def reveal(self, code: str, question_id: int) -> None:
        """Close the question and show its worked answer to everyone in the class."""
        with self._write() as conn:
            changed = conn.execute(
                "UPDATE questions SET revealed = 1 WHERE id = ? AND class_code = ?",
                (question_id, code),
            ).rowcount
        if not changed:
            raise Refused("no such question in this class")

    # -- answers --------------------------------------------------------------------------------

    def answer(
        self,
        code: str,
        question_id: int,
        student_id: str,
        answer: str,
        correct: bool,
        name: str = "",
        now: float | None = None,
    ) -> None:
        """Record one student's answer to the class's current, open question.

        Refused (with the reason) when the question is not this class's current one, the answer
        was revealed, the student already answered (the first answer counts), or the question
        has MAX_ANSWERS_PER_QUESTION answers already.
        """
        if not student_id or len(student_id) > 64:
            raise Refused("this session has no student id; reload the page")
        answer = str(answer)[:MAX_ANSWER_CHARS]
        with self._write() as conn:
            row = conn.execute(
                "SELECT id, revealed FROM questions WHERE class_code = ? ORDER BY id DESC LIMIT 1",
                (code,),
            ).fetchone()
            if row is None or row[0] != question_id:
                raise Refused("this question is closed: the teacher has moved on")
            if row[1]:
                raise Refused("the answer has been revealed: no more answers to this question")
            count = conn.execute(
                "SELECT COUNT(*) FROM answers WHERE question_id = ?", (question_id,)
            ).fetchone()[0]
            if count >= MAX_ANSWERS_PER_QUESTION:
                raise Refused(f"this question already has {MAX_ANSWERS_PER_QUESTION} answers")
            inserted = conn.execute(
                "INSERT INTO answers (question_id, student_id, answer, correct, answered_at, name)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (question_id, student_id) DO NOTHING",
                (
                    question_id,
                    student_id,
                    answer,
                    int(bool(correct)),
                    time.time() if now is None else now,
                    clean_name(name),
                ),
            ).rowcount
        if not inserted:
            raise Refused("you have already answered this question (your first answer counts)")

    def answers(self, code: str, question_id: int) -> list[Answer]:
        """Every answer to one question of this class (none for another class's question)."""
        with self._connection() as conn:
            rows = conn.execute(
                "SELECT a.student_id, a.name, a.answer, a.correct, a.answered_at FROM answers a"
                " JOIN questions q ON q.id = a.question_id"
                " WHERE q.class_code = ? AND a.question_id = ? ORDER BY a.answered_at, a.rowid",
                (code, question_id),
            ).fetchall()
        return [Answer(r[0], r[1], r[2], bool(r[3]), r[4]) for r in rows]

    def my_answer(self, code: str, question_id: int, student_id: str) -> Answer | None:
        """This student's answer to the question, if any."""
        for a in self._answers_of(code, question_id, student_id):
            return a
        return None

    def _answers_of(self, code: str, question_id: int, student_id: str) -> list[Answer]:
        with self._connection() as conn:
            rows = conn.execute(
                "SELECT a.student_id, a.name, a.answer, a.correct, a.answered_at FROM answers a"
                " JOIN questions q ON q.id = a.question_id"
                " WHERE q.class_code = ? AND a.question_id = ? AND a.student_id = ?",
                (code, question_id, student_id),
            ).fetchall()
        return [Answer(r[0], r[1], r[2], bool(r[3]), r[4]) for r in rows]
