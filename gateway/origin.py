"""The app's own origin (scheme, host, port) and whether a request's Origin header is it.

Streamlit's own check compares host names only, so a page on another port of the same host could
open the WebSocket with the browser's login cookie. Here all three parts must match: the
configured public origin, or else the request's Host with its scheme (X-Forwarded-Proto and
X-Forwarded-Host only from a trusted proxy).
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from gateway.settings import gateway_settings

DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise(origin: str | None) -> str | None:
    """ "scheme://host[:port]" in lower case without a default port, or None if `origin` is none."""
    if not origin:
        return None
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname or parts.username or parts.password:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    host = parts.hostname.lower().rstrip(".")
    if ":" in host:
        host = f"[{host}]"  # IPv6
    if port is None or port == DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def expected_origin(*, headers: Mapping[str, str], client_ip: str | None, scheme: str) -> str | None:
    """The app's own origin for a request with these (lower-case) headers.

    `scheme` is how the request reached this process ("http"/"https", "ws"/"wss").
    """
    settings = gateway_settings()
    if settings.public_origin:
        return normalise(settings.public_origin)
    scheme = {"ws": "http", "wss": "https"}.get(scheme, scheme)
    host = headers.get("host")
    if client_ip is not None and client_ip in settings.trusted_proxies:
        scheme = headers.get("x-forwarded-proto", scheme).split(",")[0].strip()
        host = headers.get("x-forwarded-host", host or "").split(",")[0].strip() or host
    if not host:
        return None
    return normalise(f"{scheme}://{host}")


def same_origin(origin: str | None, expected: str | None) -> bool:
    """True only if `origin` is exactly the app's own origin ("null" and a missing one are not)."""
    ours = normalise(expected)
    return ours is not None and normalise(origin) == ours
