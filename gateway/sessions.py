"""Which Streamlit sessions of this process are logged in, for the gateway's upload check.

The app records every run's login (app.py, right after the login gate); the gateway looks a
session id up before it lets an upload through. Process-local like the sessions themselves.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SessionLogin:
    username: str
    issued_at: datetime  # when the login (or its cookie) was issued, for model.accounts.auth.valid_user


_lock = threading.Lock()
_logins: dict[str, SessionLogin] = {}


def remember(session_id: str, login: SessionLogin | None) -> None:
    """Record the login of this session's current run; None forgets it (logged out, never in)."""
    with _lock:
        if login is None:
            _logins.pop(session_id, None)
        else:
            _logins[session_id] = login


def login_of(session_id: str) -> SessionLogin | None:
    with _lock:
        return _logins.get(session_id)


def forget_closed(is_active: Callable[[str], bool]) -> None:
    """Drop the entries of sessions that Streamlit has closed (the browser left long ago)."""
    with _lock:
        for gone in [session_id for session_id in _logins if not is_active(session_id)]:
            del _logins[gone]
