"""The security headers of every HTTP response (the reverse proxy adds only HSTS).

The Content-Security-Policy allows scripts only from this origin plus the app's inline scripts, named
by their hash: the one in Streamlit's index.html, the German labels (ui/locale.py) and the
login-cookie script (gateway.login_cookie). 'wasm-unsafe-eval' lets WebAssembly compile (no eval).
Styles may be inline: Streamlit's frontend (emotion) writes its CSS into <style> elements.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from pathlib import Path

import streamlit

from gateway import login_cookie
from ui.locale import GERMAN_PAGE_SCRIPT

INDEX_HTML = Path(streamlit.__file__).parent / "static" / "index.html"
INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def script_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


@cache
def content_security_policy() -> str:
    inline = INLINE_SCRIPT.findall(INDEX_HTML.read_text(encoding="utf-8"))
    scripts = " ".join(script_hash(text) for text in [*inline, GERMAN_PAGE_SCRIPT, login_cookie.SCRIPT])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'wasm-unsafe-eval' {scripts}",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "frame-src 'self'",
            "media-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'self'",
        ]
    )


@cache
def security_headers() -> list[tuple[bytes, bytes]]:
    headers = {
        "Content-Security-Policy": content_security_policy(),
        "X-Frame-Options": "SAMEORIGIN",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]
