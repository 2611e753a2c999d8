"""Users in the database: creation, password policy, lockout and session revocation.

streamlit-authenticator only checks a password against a credentials dict; everything it does
not do (roles, lockout, revoking cookies) lives here, testable with a controllable clock.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import delete, func
from sqlmodel import Session, select

from model import clock
from model.audit import record_audit
from model.enums import Role
from model.passwords import hash_password, password_problem
from model.tables import AppUser, LoginFailure, Pilot

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCK_DURATION = timedelta(minutes=15)
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,49}$")
MAX_DISPLAY_NAME = 200  # the lengths of the app_user columns
MAX_EMAIL = 254


class AuthError(ValueError):
    """A user-facing German reason why an account operation was refused."""


@dataclass(frozen=True)
class UserInfo:
    """What the app needs to know about a logged-in user."""

    id: int
    username: str
    display_name: str
    role: Role
    pilot_id: int | None


@cache
def _unusable_hash() -> str:
    # A real bcrypt hash of a secret nobody knows: a locked account's right password fails too.
    return hash_password(secrets.token_urlsafe(32), rounds=4)


def _user(session: Session, username: str) -> AppUser | None:
    return session.exec(select(AppUser).where(AppUser.username == username)).first()


def create_user(
    *,
    session: Session,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    actor: str,
    email: str | None = None,
    pilot_id: int | None = None,
) -> AppUser:
    """Create a login after checking name, role and password policy."""
    username = username.strip().lower()
    if not USERNAME_PATTERN.match(username):
        raise AuthError(
            "Benutzername: 2–50 Zeichen, Kleinbuchstaben, Ziffern, Punkt, Binde- oder Unterstrich."
        )
    display_name = display_name.strip()
    if not display_name:
        raise AuthError("Bitte einen Anzeigenamen angeben.")
    if len(display_name) > MAX_DISPLAY_NAME:
        raise AuthError(f"Anzeigename: höchstens {MAX_DISPLAY_NAME} Zeichen (jetzt {len(display_name)}).")
    if email is not None and len(email) > MAX_EMAIL:
        raise AuthError(f"E-Mail: höchstens {MAX_EMAIL} Zeichen (jetzt {len(email)}).")
    if _user(session, username) is not None:
        raise AuthError(f"Den Benutzernamen „{username}“ gibt es schon.")
    if (problem := password_problem(password, username=username)) is not None:
        raise AuthError(problem)
    if pilot_id is not None and session.get(Pilot, pilot_id) is None:
        raise AuthError("Die verknüpfte Lotsin / der verknüpfte Lotse existiert nicht.")
    user = AppUser(
        username=username,
        display_name=display_name,
        email=email,
        role=Role(role).value,
        password_hash=hash_password(password),
        pilot_id=pilot_id,
    )
    session.add(user)
    session.flush()
    record_audit(
        session=session,
        actor=actor,
        action="create",
        entity="app_user",
        entity_id=user.id,
        changes={"username": (None, username), "role": (None, user.role)},
    )
    return user


def credentials(*, session: Session) -> dict[str, dict[str, dict[str, object]]]:
    """The credentials dict streamlit-authenticator expects; locked or inactive users cannot pass."""
    now = clock.now()
    users = session.exec(select(AppUser)).all()
    entries: dict[str, dict[str, object]] = {}
    for user in users:
        usable = user.active and not (user.locked_until and user.locked_until > now)
        entries[user.username] = {
            "name": user.display_name,
            "email": user.email or "",
            "password": user.password_hash if usable else _unusable_hash(),
            "roles": [user.role],
        }
    return {"usernames": entries}


def locked_until(*, session: Session, username: str) -> datetime | None:
    """End of the current lock of `username`, or None if it is not locked."""
    user = _user(session, username)
    if user is None or user.locked_until is None or user.locked_until <= clock.now():
        return None
    return user.locked_until


def record_failed_login(*, session: Session, username: str) -> datetime | None:
    """Count a failed login; lock the account after MAX_FAILURES within FAILURE_WINDOW.

    Returns the end of the lock if the account is (now) locked.
    """
    user = _user(session, username)
    if user is None:
        return None
    now = clock.now()
    if user.locked_until and user.locked_until > now:
        return user.locked_until
    session.add(LoginFailure(username=username, at=now))
    session.flush()
    recent = session.exec(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.username == username, LoginFailure.at > now - FAILURE_WINDOW)
    ).one()
    if recent >= MAX_FAILURES:
        user.locked_until = now + LOCK_DURATION
        session.exec(delete(LoginFailure).where(LoginFailure.username == username))
        record_audit(
            session=session,
            actor=username,
            action="lock",
            entity="app_user",
            entity_id=user.id,
            changes={"locked_until": (None, user.locked_until)},
        )
        return user.locked_until
    return None


def record_successful_login(*, session: Session, username: str) -> None:
    session.exec(delete(LoginFailure).where(LoginFailure.username == username))


def revoke_sessions(*, session: Session, username: str, actor: str, reason: str) -> None:
    """Make every cookie and session issued so far for `username` worthless."""
    user = _user(session, username)
    if user is None:
        return
    before = user.sessions_valid_after
    user.sessions_valid_after = clock.now()
    session.add(user)
    record_audit(
        session=session,
        actor=actor,
        action=reason,
        entity="app_user",
        entity_id=user.id,
        changes={"sessions_valid_after": (before, user.sessions_valid_after)},
    )


def change_password(*, session: Session, username: str, new_password: str, actor: str) -> None:
    """Set a new password (policy checked) and end every earlier session of the user."""
    user = _user(session, username)
    if user is None:
        raise AuthError("Unbekannter Benutzer.")
    if (problem := password_problem(new_password, username=username)) is not None:
        raise AuthError(problem)
    user.password_hash = hash_password(new_password)
    session.add(user)
    record_audit(
        session=session,
        actor=actor,
        action="password",
        entity="app_user",
        entity_id=user.id,
        changes={"password_hash": ("***", "***")},
    )
    revoke_sessions(session=session, username=username, actor=actor, reason="revoke")


def valid_user(*, session: Session, username: str, issued_at: datetime) -> UserInfo | None:
    """The user behind a session or cookie issued at `issued_at`, or None if it no longer counts."""
    user = _user(session, username)
    if user is None or not user.active or issued_at < user.sessions_valid_after:
        return None
    assert user.id is not None
    return UserInfo(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=Role(user.role),
        pilot_id=user.pilot_id,
    )


def user_count(*, session: Session) -> int:
    return session.exec(select(func.count()).select_from(AppUser)).one()
