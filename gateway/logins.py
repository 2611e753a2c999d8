"""The login behind a request's cookie, checked like the login gate does (signature, expiry, user
still active and not revoked in the database)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import jwt

from model.accounts import auth as auth_store
from model.accounts.auth import UserInfo
from model.core.db import read_session
from model.core.settings import get_settings

SIGNING = "HS256"  # as ui/auth.py writes it


def user_from_cookie(token: str | None) -> UserInfo | None:
    """The valid user whose login cookie `token` is, or None (as ui/auth.py reads it)."""
    settings = get_settings()
    if not token or not settings.cookie_key:
        return None
    try:
        payload = jwt.decode(token, settings.cookie_key, algorithms=[SIGNING])
        expires = float(payload["exp_date"])
        issued = datetime.fromtimestamp(float(payload["iat"]), UTC)
        username = str(payload["username"])
    except (jwt.PyJWTError, KeyError, TypeError, ValueError, OverflowError):
        return None
    if expires <= time.time():
        return None
    return valid_login(username, issued)


def valid_login(username: str, issued_at: datetime) -> UserInfo | None:
    """The user if this login still counts: active, not revoked, within maximum age and idle time."""
    with read_session() as session:
        return auth_store.valid_user(
            session=session, username=username, issued_at=issued_at, limits=get_settings()
        )
