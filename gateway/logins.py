"""The login behind a request's cookie, checked like the login gate does (signature, expiry, user
still active and not revoked in the database)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import jwt

from model import auth_store
from model.auth_store import UserInfo
from model.db import read_session
from model.settings import get_settings

SIGNING = "HS256"  # as ui/auth.py writes it


def user_from_cookie(token: str | None) -> UserInfo | None:
    """The valid user whose login cookie `token` is, or None."""
    settings = get_settings()
    if not token or not settings.cookie_key:
        return None
    try:
        payload = jwt.decode(token, settings.cookie_key, algorithms=[SIGNING])
        expires = float(payload["exp_date"])
        username = str(payload["username"])
    except (jwt.PyJWTError, KeyError, TypeError, ValueError):
        return None
    if expires <= time.time():
        return None
    issued = datetime.fromtimestamp(expires, UTC) - timedelta(days=settings.cookie_expiry_days)
    return valid_login(username, issued)


def valid_login(username: str, issued_at: datetime) -> UserInfo | None:
    with read_session() as session:
        return auth_store.valid_user(session=session, username=username, issued_at=issued_at)
