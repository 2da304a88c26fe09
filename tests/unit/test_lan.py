"""Join by QR code: which address student links get, and QR codes that decode to the link."""

from __future__ import annotations

import io
import socket

import pytest
import zxingcpp
from PIL import Image

from mobilenet_viz.classroom import lan
from mobilenet_viz.classroom.teacher_pin import (
    MAX_ATTEMPTS_PER_SESSION,
    MAX_FAILURES_PER_WINDOW,
    PinGate,
    PinLocked,
)


def decode(png: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))]


@pytest.mark.parametrize(
    "link",
    [
        "http://192.168.1.20:8501/class_questions?code=K7QPM",
        "http://10.0.0.5:8501/separable?kernel=5&in_channels=512&out_channels=512&input_size=14&stride=1",
        "https://lab.school.example/mobilenet/inverted_residual?block=3&expansion=6",
    ],
)
def test_qr_png_decodes_to_the_link(link):
    assert decode(lan.qr_png(link)) == [link]


def test_qr_matrix_is_a_square_qr_code():
    matrix = lan.qr_matrix("http://192.168.1.20:8501/class_questions?code=K7QPM")
    size = len(matrix)
    assert size >= 21 and (size - 17) % 4 == 0  # QR versions: 21, 25, 29, ... modules
    assert all(len(row) == size for row in matrix)
    assert all(
        matrix[r][c] for r, c in ((0, 0), (0, 6), (6, 0), (6, 6))
    )  # the finder pattern's corners


def test_links_too_long_for_a_phone_are_refused():
    with pytest.raises(ValueError, match="at most"):
        lan.qr_png("http://x/" + "a" * 3000)


def test_rank_prefers_private_ipv4_and_drops_unusable():
    addresses = [
        "127.0.0.1",
        "169.254.3.4",
        "203.0.113.7",
        "192.168.1.20",
        "10.1.2.3",
        "garbage",
        "::1",
        "224.0.0.1",
        "0.0.0.0",
        "192.168.1.20",
    ]
    assert lan.rank_addresses(addresses) == ["192.168.1.20", "10.1.2.3", "203.0.113.7"]


def test_choose_base_order():
    lan_ips = ["127.0.0.1", "192.168.1.20"]
    local = "http://localhost:8501/class_questions?code=K7QPM"
    override = lan.choose_base(local, public_url="https://lab.example:9000", interfaces=lan_ips)
    assert (override.source, override.netloc) == ("override", "lab.example:9000")
    configured = lan.choose_base(
        local, browser_server_address="teacher.local", browser_server_port=80, interfaces=lan_ips
    )
    assert (configured.source, configured.netloc) == ("browser.serverAddress", "teacher.local:80")
    by_browser = lan.choose_base("http://10.0.0.9:8600/x", interfaces=lan_ips)
    assert (by_browser.source, by_browser.netloc) == ("browser", "10.0.0.9:8600")
    found = lan.choose_base(local, server_port=8502, interfaces=lan_ips)
    assert (found.source, found.netloc, found.note) == ("lan", "192.168.1.20:8502", None)
    bound = lan.choose_base(local, server_address="192.168.1.30", interfaces=lan_ips)
    assert bound.netloc == "192.168.1.30:8501"
    loopback_only = lan.choose_base(local, server_address="127.0.0.1", interfaces=lan_ips)
    assert loopback_only.source == "fallback" and loopback_only.netloc == "localhost:8501"
    assert "--server.address 0.0.0.0" in loopback_only.note
    nothing = lan.choose_base(local, interfaces=["127.0.0.1"])
    assert nothing.source == "fallback" and lan.ENV_PUBLIC_URL in nothing.note


def test_rebase_keeps_path_and_settings():
    base = lan.Base("http", "192.168.1.20", 8501, "lan")
    assert (
        lan.rebase("http://localhost:8501/separable?kernel=5&stride=2", base)
        == "http://192.168.1.20:8501/separable?kernel=5&stride=2"
    )
    assert (
        lan.rebase("/class_questions?code=K7QPM", base)
        == "http://192.168.1.20:8501/class_questions?code=K7QPM"
    )


@pytest.mark.parametrize("bad", ["lab.example", "ftp://x", "http://", "http://x:notaport"])
def test_bad_public_url_is_one_line(bad):
    with pytest.raises(ValueError, match=lan.ENV_PUBLIC_URL):
        lan.parse_public_url(bad)


def test_interface_addresses_send_no_traffic(monkeypatch):
    """Enumerating addresses never connects, sends or resolves a name."""

    def forbidden(*args, **kwargs):
        raise AssertionError("network traffic attempted")

    for name in ("connect", "connect_ex", "sendto", "send", "sendall"):
        monkeypatch.setattr(socket.socket, name, forbidden)
    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr"):
        monkeypatch.setattr(socket, name, forbidden)
    addresses = lan.interface_addresses()
    assert all(socket.inet_aton(a) for a in addresses)
    if addresses:  # a Linux machine lists at least its loopback
        assert "127.0.0.1" in addresses


def test_pin_gate_bounds_attempts_per_session_and_process():
    gate = PinGate("246810")
    assert gate.check("s", " 246810 ")
    for _ in range(MAX_ATTEMPTS_PER_SESSION):
        assert not gate.check("a", "000000")
    with pytest.raises(PinLocked, match="in this session"):
        gate.check("a", "246810")
    assert gate.check("b", "246810")  # another session still can
    now = [0.0]
    shared = PinGate("246810", clock=lambda: now[0])
    for i in range(MAX_FAILURES_PER_WINDOW):
        shared.check(f"session-{i}", "1")
    with pytest.raises(PinLocked, match="on this server"):
        shared.check("fresh", "246810")
    now[0] += 601  # the window passes
    assert shared.check("fresh", "246810")


def test_random_pins_are_six_digits():
    pins = {PinGate().pin for _ in range(20)}
    assert all(len(p) == 6 and p.isdigit() for p in pins) and len(pins) > 1


@pytest.mark.slow  # a fresh subprocess or 30 writers: left out of the fast subset
def test_the_server_prints_the_pin_once_per_process():
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = (
        "from ui import startup\nstartup.start()\nstartup.start()\nassert startup.done.wait(300)\n"
    )
    env = {**os.environ, "MOBILENET_VIZ_TEACHER_PIN": "Lab2026"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300, env=env
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("teacher PIN for the Class questions page: Lab2026") == 1
    assert "Lab2026" not in result.stdout
    bad = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "MOBILENET_VIZ_TEACHER_PIN": "12"},
    )
    assert bad.returncode == 0 and "teacher controls stay locked" in bad.stderr
