"""Join by QR code: the address a student's phone can reach, and the QR code of a link.

The teacher usually opens the app as ``http://localhost:8501``; a phone on the classroom network
needs the laptop's LAN address instead. This module finds it WITHOUT sending any network
traffic: it only reads the addresses of the machine's own interfaces (``psutil.net_if_addrs``
when psutil is installed, otherwise the Linux ``SIOCGIFADDR`` ioctl on each interface of
``socket.if_nameindex()``; an unconnected UDP socket is created for the ioctl, nothing is sent).
It never opens a connection to find "the route out" (the usual ``connect(("8.8.8.8", 80))``
trick), and never resolves a host name (a DNS or mDNS query is traffic too).

Which base address a student link gets (:func:`choose_base`), first match wins:

1. ``MOBILENET_VIZ_PUBLIC_URL`` (e.g. ``http://lab.school.example:8501``), the teacher's override;
2. Streamlit's ``browser.serverAddress`` when set explicitly (with ``browser.serverPort``);
3. the browser's own host when it is not a loopback name: the teacher already uses an address
   other machines can resolve (a LAN IP, a proxy's name);
4. a private (RFC 1918) IPv4 address of this machine, then any other non-loopback,
   non-link-local IPv4, with ``server.port``; only when the server listens on every interface
   (``server.address`` unset, ``0.0.0.0`` or ``::``) or on that address;
5. the browser's own host, with a note saying why no LAN address was used.

QR codes are made with segno (ISO/IEC 18004, error correction level M: 15% of the code may be
damaged or covered and it still decodes).
"""

from __future__ import annotations

import ipaddress
import socket
import struct
import sys
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from mobilenet_viz.settings import ENV_PUBLIC_URL

LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")
WILDCARD_BIND = ("", "0.0.0.0", "::")
MAX_URL_LENGTH = 2000  # a QR code at level M holds 2,331 bytes; links longer than this are refused
_SIOCGIFADDR = 0x8915  # linux/sockios.h


@dataclass(frozen=True)
class Base:
    """Where student links point: ``scheme://host[:port]``, why, and a note for the teacher."""

    scheme: str
    host: str
    port: int | None
    source: str  # "override", "browser.serverAddress", "browser", "lan", "fallback"
    note: str | None = None

    @property
    def netloc(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port is None else f"{host}:{self.port}"


def is_loopback(host: str) -> bool:
    """``localhost``, 127.0.0.0/8 or ::1: an address only this machine can use."""
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def interface_addresses() -> list[str]:
    """IPv4 addresses of this machine's interfaces, read locally (no packet is sent)."""
    try:
        import psutil  # optional: cross-platform, lists every address of every interface
    except ImportError:
        psutil = None
    if psutil is not None:
        return [
            a.address
            for addrs in psutil.net_if_addrs().values()
            for a in addrs
            if a.family == socket.AF_INET
        ]
    if not sys.platform.startswith("linux"):
        return []
    import fcntl

    found = []
    with socket.socket(
        socket.AF_INET, socket.SOCK_DGRAM
    ) as sock:  # never connected, never used to send
        for _, name in socket.if_nameindex():
            try:
                packed = fcntl.ioctl(
                    sock.fileno(), _SIOCGIFADDR, struct.pack("256s", name[:15].encode())
                )
            except OSError:  # an interface without an IPv4 address
                continue
            found.append(socket.inet_ntoa(packed[20:24]))
    return found


def rank_addresses(addresses: list[str]) -> list[str]:
    """Usable IPv4 addresses, best first: private (RFC 1918) ones, then other non-loopback,
    non-link-local, non-multicast ones. Duplicates and garbage are dropped."""
    rfc1918 = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]
    private, other = [], []
    for text in dict.fromkeys(addresses):
        try:
            ip = ipaddress.ip_address(text)
        except ValueError:
            continue
        if (
            ip.version != 4
            or ip.is_loopback
            or ip.is_link_local
            or ip.is_multicast
            or ip.is_unspecified
        ):
            continue
        (private if any(ip in n for n in rfc1918) else other).append(text)
    return private + other


def parse_public_url(value: str) -> Base:
    """``MOBILENET_VIZ_PUBLIC_URL`` as a Base; ValueError with a one-line reason otherwise."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{ENV_PUBLIC_URL} must look like http://host:port, got {value!r}")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"{ENV_PUBLIC_URL} has a bad port: {value!r}") from None
    return Base(parts.scheme, parts.hostname, port, "override")


def choose_base(
    browser_url: str | None,
    *,
    public_url: str | None = None,
    server_address: str | None = None,
    server_port: int = 8501,
    browser_server_address: str | None = None,
    browser_server_port: int | None = None,
    interfaces: list[str] | None = None,
) -> Base:
    """The base of student links (see the module docstring for the order). Pure except that
    ``interfaces=None`` reads this machine's interface addresses."""
    browser = urlsplit(browser_url) if browser_url else None
    scheme = browser.scheme if browser and browser.scheme else "http"
    if public_url:
        return parse_public_url(public_url)
    if browser_server_address:
        return Base(
            scheme,
            browser_server_address,
            browser_server_port or server_port,
            "browser.serverAddress",
        )
    if browser and browser.hostname and not is_loopback(browser.hostname):
        return Base(scheme, browser.hostname, browser.port, "browser")
    bind = (server_address or "").strip()
    if bind not in WILDCARD_BIND:
        if is_loopback(bind):
            return _fallback(
                browser,
                scheme,
                f"the server listens on {bind} only, which no other device can reach: "
                "start it with --server.address 0.0.0.0 (or set MOBILENET_VIZ_PUBLIC_URL)",
            )
        return Base(scheme, bind, server_port, "lan")
    ranked = rank_addresses(interface_addresses() if interfaces is None else interfaces)
    if ranked:
        return Base(scheme, ranked[0], server_port, "lan")
    return _fallback(
        browser,
        scheme,
        "no network address was found on this machine "
        "(set MOBILENET_VIZ_PUBLIC_URL to the address students should use)",
    )


def _fallback(browser, scheme: str, why: str) -> Base:
    host = browser.hostname if browser and browser.hostname else "localhost"
    port = browser.port if browser else None
    return Base(scheme, host, port, "fallback", f"This link uses this browser's address: {why}.")


def rebase(url: str, base: Base) -> str:
    """``url`` (absolute, or a path with a query) with its scheme and host:port replaced by base's."""
    parts = urlsplit(url)
    return urlunsplit((base.scheme, base.netloc, parts.path or "/", parts.query, ""))


def qr_code(text: str):
    """A segno QR code for ``text`` (level M, the smallest version that holds it)."""
    import segno

    if len(text) > MAX_URL_LENGTH:
        raise ValueError(
            f"the link is {len(text)} characters; a QR code for a phone holds at most {MAX_URL_LENGTH}"
        )
    return segno.make_qr(text, error="m", boost_error=False)


def qr_matrix(text: str) -> list[list[bool]]:
    """The QR code's modules (True = dark), without the quiet zone."""
    return [[bool(v) for v in row] for row in qr_code(text).matrix]


def qr_svg(text: str, *, dark: str = "#000000", light: str = "#ffffff") -> str:
    """The QR code as a standalone SVG document that scales to its container (4-module quiet zone)."""
    return qr_code(text).svg_inline(scale=1, border=4, dark=dark, light=light, omitsize=True)


def qr_png(text: str, *, scale: int = 8) -> bytes:
    """The QR code as PNG bytes (``scale`` pixels per module, 4-module quiet zone)."""
    import io

    buffer = io.BytesIO()
    qr_code(text).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
