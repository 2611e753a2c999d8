"""Accounts: password policy, lockout after repeated failures, revocation of earlier sessions."""

from __future__ import annotations

from datetime import timedelta

import bcrypt
import pytest
from sqlmodel import select

from model import auth_store
from model.auth_store import AuthError
from model.db import read_session, write_session
from model.enums import Role
from model.tables import AuditEntry

PASSWORD = "ein-langes-passwort-7"


@pytest.fixture
def user(engine, fake_clock) -> str:
    with write_session(engine) as session:
        auth_store.create_user(
            session=session,
            username="anna",
            display_name="Anna Beispiel",
            role=Role.ADMIN,
            password=PASSWORD,
            actor="test",
        )
    return "anna"


def _fail(engine, username: str):
    with write_session(engine) as session:
        return auth_store.record_failed_login(session=session, username=username)


def _password_passes(engine, username: str, password: str) -> bool:
    with read_session(engine) as session:
        stored = auth_store.credentials(session=session)["usernames"][username]["password"]
    return bcrypt.checkpw(password.encode(), str(stored).encode())


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("kurz", "mindestens 12 Zeichen"),
        ("passwort1234", "zu verbreitet"),
        ("aaaaaaaaaaaaaaaa", "zu verbreitet"),
        ("anna-hat-ein-passwort", "Benutzernamen"),
    ],
)
def test_password_policy_refuses_with_german_reason(engine, password, reason) -> None:
    with pytest.raises(AuthError, match=reason), write_session(engine) as session:
        auth_store.create_user(
            session=session,
            username="anna",
            display_name="Anna",
            role=Role.LOTSE,
            password=password,
            actor="test",
        )
    with read_session(engine) as session:
        assert auth_store.user_count(session=session) == 0


def test_long_password_without_composition_rules_is_accepted(engine, user) -> None:
    assert _password_passes(engine, user, PASSWORD)


def test_duplicate_username_refused(engine, user) -> None:
    with pytest.raises(AuthError, match="gibt es schon"), write_session(engine) as session:
        auth_store.create_user(
            session=session,
            username="Anna",
            display_name="Anna 2",
            role=Role.LOTSE,
            password="noch-ein-passwort-9",
            actor="test",
        )


def test_creation_is_audited(engine, user) -> None:
    with read_session(engine) as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.entity == "app_user")).one()
    assert entry.action == "create"
    assert entry.actor == "test"
    assert "anna" in entry.changes


def test_five_failures_lock_the_account_and_the_lock_ends_by_itself(engine, user, fake_clock) -> None:
    for _ in range(4):
        assert _fail(engine, user) is None
        fake_clock.advance(minutes=1)
    until = _fail(engine, user)
    assert until == fake_clock.now() + timedelta(minutes=15)
    with read_session(engine) as session:
        assert auth_store.locked_until(session=session, username=user) == until
    assert not _password_passes(engine, user, PASSWORD)  # even the right password fails

    fake_clock.advance(minutes=15, seconds=1)
    with read_session(engine) as session:
        assert auth_store.locked_until(session=session, username=user) is None
    assert _password_passes(engine, user, PASSWORD)


def test_failures_spread_over_more_than_15_minutes_do_not_lock(engine, user, fake_clock) -> None:
    for _ in range(8):
        assert _fail(engine, user) is None
        fake_clock.advance(minutes=4)


def test_a_successful_login_resets_the_count(engine, user, fake_clock) -> None:
    for _ in range(4):
        _fail(engine, user)
    with write_session(engine) as session:
        auth_store.record_successful_login(session=session, username=user)
    assert _fail(engine, user) is None


def test_failures_for_unknown_users_are_ignored(engine) -> None:
    for _ in range(6):
        assert _fail(engine, "niemand") is None


def test_logout_revokes_every_earlier_session(engine, user, fake_clock) -> None:
    issued = fake_clock.now()
    fake_clock.advance(minutes=5)
    with read_session(engine) as session:
        assert auth_store.valid_user(session=session, username=user, issued_at=issued) is not None
    with write_session(engine) as session:
        auth_store.revoke_sessions(session=session, username=user, actor=user, reason="logout")
    fake_clock.advance(seconds=1)
    with read_session(engine) as session:
        assert auth_store.valid_user(session=session, username=user, issued_at=issued) is None
        fresh = auth_store.valid_user(session=session, username=user, issued_at=fake_clock.now())
    assert fresh is not None
    assert fresh.role is Role.ADMIN


def test_password_change_revokes_sessions_and_checks_policy(engine, user, fake_clock) -> None:
    issued = fake_clock.now()
    fake_clock.advance(minutes=1)
    with pytest.raises(AuthError), write_session(engine) as session:
        auth_store.change_password(session=session, username=user, new_password="zu-kurz", actor=user)
    with write_session(engine) as session:
        auth_store.change_password(
            session=session, username=user, new_password="ganz-neues-passwort-3", actor=user
        )
    with read_session(engine) as session:
        assert auth_store.valid_user(session=session, username=user, issued_at=issued) is None
    assert _password_passes(engine, user, "ganz-neues-passwort-3")
    assert not _password_passes(engine, user, PASSWORD)
