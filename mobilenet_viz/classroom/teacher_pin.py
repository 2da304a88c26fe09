"""The teacher PIN that guards the Class page's teacher controls.

One PIN per server process: six random digits (``secrets``), or ``$MOBILENET_VIZ_TEACHER_PIN``
(4 to 32 letters or digits) for a teacher who wants a fixed one. The app prints it in the
server's terminal when it starts serving (``ui/startup.py``); it is never shown in a page.

Checking: ``hmac.compare_digest`` (no timing difference between a near miss and a far one);
at most :data:`MAX_ATTEMPTS_PER_SESSION` wrong tries per browser session, and at most
:data:`MAX_FAILURES_PER_WINDOW` wrong tries per :data:`WINDOW_S` seconds for the whole process,
so opening new sessions does not buy more guesses (10^6 PINs, 30 guesses per 10 minutes).
"""

from __future__ import annotations

import hmac
import re
import secrets
import threading
import time
from collections import deque

from mobilenet_viz import settings
from mobilenet_viz.settings import ENV_TEACHER_PIN

PIN_DIGITS = 6
MAX_ATTEMPTS_PER_SESSION = 5
MAX_FAILURES_PER_WINDOW = 30
WINDOW_S = 600.0


class PinLocked(RuntimeError):
    """No more PIN attempts now; the message says why, in one line."""


class PinGate:
    """A PIN and its attempt counters (thread-safe: sessions run in threads)."""

    def __init__(self, pin: str | None = None, clock=time.monotonic):
        self.pin = (
            pin
            if pin is not None
            else "".join(secrets.choice("0123456789") for _ in range(PIN_DIGITS))
        )
        self._clock = clock
        self._lock = threading.Lock()
        self._attempts: dict[str, int] = {}
        self._failures: deque[float] = deque()

    def attempts_left(self, session_id: str) -> int:
        with self._lock:
            return MAX_ATTEMPTS_PER_SESSION - self._attempts.get(session_id, 0)

    def check(self, session_id: str, given: str) -> bool:
        """Whether ``given`` is the PIN; PinLocked when this session or the server is out of tries."""
        with self._lock:
            now = self._clock()
            while self._failures and self._failures[0] < now - WINDOW_S:
                self._failures.popleft()
            if self._attempts.get(session_id, 0) >= MAX_ATTEMPTS_PER_SESSION:
                raise PinLocked(
                    f"{MAX_ATTEMPTS_PER_SESSION} wrong PINs in this session: open the page in a new tab "
                    "and use the PIN printed in the server's terminal"
                )
            if len(self._failures) >= MAX_FAILURES_PER_WINDOW:
                raise PinLocked(
                    f"too many wrong PINs on this server; wait {WINDOW_S / 60:g} minutes"
                )
            ok = hmac.compare_digest(str(given).strip()[:64].encode(), self.pin.encode())
            if not ok:
                self._attempts[session_id] = self._attempts.get(session_id, 0) + 1
                self._failures.append(now)
                if len(self._attempts) > 10_000:  # bound the table: forget the oldest sessions
                    for key in list(self._attempts)[:5_000]:
                        del self._attempts[key]
            return ok


_gate: PinGate | None = None
_gate_lock = threading.Lock()


def pin_from_env() -> str | None:
    """``$MOBILENET_VIZ_TEACHER_PIN`` if set; ValueError if it is not 4-32 letters or digits."""
    value = settings.teacher_pin()
    if not value:
        return None
    if not re.fullmatch(r"[A-Za-z0-9]{4,32}", value):
        raise ValueError(f"{ENV_TEACHER_PIN} must be 4 to 32 letters or digits")
    return value


def process_gate() -> PinGate:
    """This process's PinGate, created on first use."""
    global _gate
    with _gate_lock:
        if _gate is None:
            _gate = PinGate(pin_from_env())
        return _gate
