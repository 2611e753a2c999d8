"""The HttpOnly login cookie: the app registers a one-time nonce after a login, the page's script
posts it to the gateway, and the gateway answers with Set-Cookie. Scripts never see the token.

The token itself is written and read here only (a JWT of user name, issue time and expiry, signed
with the cookie key): by ui/auth.py after a login and on a new session, by gateway/logins.py for
downloads and uploads."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import jwt

NONCE_SECONDS = 60.0  # the script posts it within a second; a nonce older than this is void
LOGIN_PATH = "/_lotsen/login-cookie"
LOGOUT_PATH = "/_lotsen/logout-cookie"
SIGNING = "HS256"


@dataclass(frozen=True)
class LoginToken:
    username: str
    issued_at: datetime  # the server's maximum age of a login counts from it


def issue_token(*, username: str, issued_at: datetime, expires: datetime, key: str) -> str:
    claims = {"username": username, "iat": issued_at.timestamp(), "exp_date": expires.timestamp()}
    return jwt.encode(claims, key, algorithm=SIGNING)


def read_token(token: str | None, key: str | None) -> LoginToken | None:
    """The login a cookie carries, if its signature is valid and it has not expired (else None)."""
    if not token or not key:
        return None
    try:
        payload = jwt.decode(token, key, algorithms=[SIGNING])
        expires = float(payload["exp_date"])
        issued = datetime.fromtimestamp(float(payload["iat"]), UTC)
        username = str(payload["username"])
    except (jwt.PyJWTError, KeyError, TypeError, ValueError, OverflowError):
        return None
    if expires <= time.time():
        return None
    return LoginToken(username=username, issued_at=issued)


@dataclass(frozen=True)
class PendingCookie:
    token: str
    expires: datetime
    registered: float  # time.monotonic()


_lock = threading.Lock()
_pending: dict[str, PendingCookie] = {}


def register(token: str, *, expires: datetime) -> str:
    """A fresh nonce that the gateway exchanges once, within NONCE_SECONDS, for the cookie."""
    nonce = secrets.token_urlsafe(32)
    now = time.monotonic()
    with _lock:
        for old in [key for key, item in _pending.items() if now - item.registered > NONCE_SECONDS]:
            del _pending[old]
        _pending[nonce] = PendingCookie(token=token, expires=expires, registered=now)
    return nonce


def redeem(nonce: str) -> PendingCookie | None:
    """The cookie registered under `nonce`, once; None if unknown, used or expired."""
    with _lock:
        pending = _pending.pop(nonce, None)
    if pending is None or time.monotonic() - pending.registered > NONCE_SECONDS:
        return None
    return pending


# The one script the app puts into a page (st.html): it posts the nonce (or, at logout, nothing) to
# the gateway and removes its marker. Static, so the Content-Security-Policy names it by its hash.
SCRIPT = (
    'document.querySelectorAll("[data-lc-cookie]").forEach((marker) => {'
    'const path = marker.dataset.lcCookie; const nonce = marker.dataset.lcNonce || ""; marker.remove();'
    'fetch(path, {method: "POST", credentials: "same-origin", headers: {"Content-Type": "text/plain"},'
    " body: nonce});});"
)


def page_snippet(path: str, nonce: str = "") -> str:
    """The HTML for st.html(..., unsafe_allow_javascript=True) that has the browser call `path`."""
    return f'<span hidden data-lc-cookie="{path}" data-lc-nonce="{nonce}"></span><script>{SCRIPT}</script>'
