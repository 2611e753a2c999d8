"""The login behind a request's cookie, checked like the login gate does (signature, expiry, user
still active and not revoked in the database)."""

from __future__ import annotations

from datetime import datetime

from gateway.login_cookie import read_token
from model.accounts import auth as auth_store
from model.accounts.auth import UserInfo
from model.core.db import read_session
from model.core.settings import get_settings


def user_from_cookie(token: str | None) -> UserInfo | None:
    """The valid user whose login cookie `token` is, or None (as ui/auth.py reads it)."""
    login = read_token(token, get_settings().cookie_key)
    return None if login is None else valid_login(login.username, login.issued_at)


def valid_login(username: str, issued_at: datetime) -> UserInfo | None:
    """The user if this login still counts: active, not revoked, within maximum age and idle time."""
    with read_session() as session:
        return auth_store.valid_user(
            session=session, username=username, issued_at=issued_at, limits=get_settings()
        )
