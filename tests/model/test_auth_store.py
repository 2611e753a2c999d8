"""Accounts: password policy, login delays per account and client, revocation and limits of logins."""

from __future__ import annotations

import logging
import statistics
import time
from datetime import timedelta

import pytest
from sqlmodel import select

from model.accounts import auth as auth_store
from model.accounts import passwords
from model.accounts.auth import AuthError
from model.core.db import read_session, write_session
from model.core.enums import Role
from model.core.security_log import LOGGER_NAME
from model.core.settings import Settings
from model.core.tables import AuditEntry, LoginFailure

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


@pytest.fixture
def cheap_hashes(monkeypatch) -> None:
    """bcrypt of cost 4 for tests that try many logins (not for the timing tests)."""
    monkeypatch.setattr(
        auth_store, "hash_password", lambda password: passwords.hash_password(password, rounds=4)
    )
    monkeypatch.setattr(auth_store, "DUMMY_HASH", passwords.hash_password("weggeworfen", rounds=4))


def _try(engine, username: str, password: str, client: str = "10.0.0.1") -> auth_store.LoginOutcome:
    with write_session(engine) as session:
        return auth_store.authenticate(session=session, username=username, password=password, client=client)


def _fail(engine, username: str, client: str = "10.0.0.1") -> auth_store.LoginOutcome:
    return _try(engine, username, "falsches-passwort", client)


def _password_passes(engine, username: str, password: str, client: str = "10.0.0.9") -> bool:
    return _try(engine, username, password, client).user is not None


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


@pytest.mark.usefixtures("cheap_hashes")
def test_five_failures_delay_the_account_by_doubling_waits_and_the_delay_ends_by_itself(
    engine, user, fake_clock
) -> None:
    for _ in range(4):
        assert _fail(engine, user).wait_until is None
    assert _fail(engine, user).wait_until == fake_clock.now() + timedelta(seconds=2)
    refused = _try(engine, user, PASSWORD)  # the same client, the right password: not even checked
    assert refused.user is None and refused.wait_until == fake_clock.now() + timedelta(seconds=2)
    fake_clock.advance(seconds=2)
    assert _fail(engine, user).wait_until == fake_clock.now() + timedelta(seconds=4)
    fake_clock.advance(seconds=4)
    assert _try(engine, user, PASSWORD, "10.0.0.1").user is not None


@pytest.mark.usefixtures("cheap_hashes")
def test_waits_stop_growing_at_15_minutes(engine, user, fake_clock) -> None:
    for _ in range(20):
        outcome = _fail(engine, user)
        if outcome.wait_until is not None:
            fake_clock.advance(seconds=(outcome.wait_until - fake_clock.now()).total_seconds())
    assert _fail(engine, user).wait_until == fake_clock.now() + auth_store.MAX_DELAY


@pytest.mark.usefixtures("cheap_hashes")
def test_an_attacker_elsewhere_cannot_keep_the_owner_out(engine, user, fake_clock) -> None:
    """Hole 7: before, five wrong passwords from anywhere locked the account (the CDO's too) for 15 min."""
    for _ in range(30):
        if (outcome := _fail(engine, user, client="203.0.113.66")).wait_until is not None:
            fake_clock.advance(seconds=(outcome.wait_until - fake_clock.now()).total_seconds())
    _fail(engine, user, client="203.0.113.66")
    # The owner's own client has no failures: it waits at most CLEAN_CLIENT_DELAY, then gets in.
    waiting = _try(engine, user, PASSWORD, client="10.0.0.5")
    assert waiting.user is None and waiting.wait_until is not None
    assert waiting.wait_until - fake_clock.now() <= auth_store.CLEAN_CLIENT_DELAY
    fake_clock.advance(seconds=auth_store.CLEAN_CLIENT_DELAY.total_seconds())
    assert _try(engine, user, PASSWORD, client="10.0.0.5").user is not None
    # ... while the attacker's client still waits its full delay.
    assert _fail(engine, user, client="203.0.113.66").wait_until is not None


@pytest.mark.usefixtures("cheap_hashes")
def test_one_client_guessing_many_names_is_delayed(engine, user, fake_clock) -> None:
    for n in range(auth_store.CLIENT_FREE_FAILURES):
        _fail(engine, f"name-{n}", client="203.0.113.7")
    assert _try(engine, user, PASSWORD, client="203.0.113.7").wait_until is not None
    assert _try(engine, user, PASSWORD, client="10.0.0.5").user is not None


def test_failures_older_than_a_day_no_longer_count(engine, user, fake_clock) -> None:
    for _ in range(auth_store.MAX_FAILURES):
        _fail(engine, user)
    fake_clock.advance(hours=24, seconds=1)
    assert _fail(engine, user).wait_until is None
    assert _try(engine, user, PASSWORD).user is not None


def test_a_successful_login_resets_the_count(engine, user, fake_clock) -> None:
    for _ in range(4):
        _fail(engine, user)
    assert _try(engine, user, PASSWORD).user is not None
    assert _fail(engine, user).wait_until is None


@pytest.mark.usefixtures("cheap_hashes")
def test_unknown_and_existing_names_get_the_same_answers(engine, user, fake_clock) -> None:
    """Hole 7: only existing accounts got "gesperrt"; now the answers cannot tell them apart."""
    for attempt in range(8):
        known, unknown = _fail(engine, user), _fail(engine, "niemand-hier")
        assert (known.user, known.wait_until) == (unknown.user, unknown.wait_until), attempt
        fake_clock.advance(seconds=1)


def test_an_inactive_account_is_refused_like_a_wrong_password(engine, user) -> None:
    with write_session(engine) as session:
        account = session.exec(select(auth_store.AppUser).where(auth_store.AppUser.username == user)).one()
        account.active = False
    assert _try(engine, user, PASSWORD) == auth_store.LoginOutcome(user=None)


def _attempt_ms(engine, username: str) -> float:
    with write_session(engine) as session:
        session.exec(auth_store.delete(LoginFailure))  # no delay: every attempt is checked
    started = time.perf_counter()
    _fail(engine, username)
    return (time.perf_counter() - started) * 1000


def _medians_ms(engine, first: str, second: str, rounds: int = 20) -> tuple[float, float]:
    """Both names timed in alternation, so that a change of the machine's load hits both alike."""
    times: dict[str, list[float]] = {first: [], second: []}
    for number in range(rounds):
        for username in (first, second) if number % 2 == 0 else (second, first):
            times[username].append(_attempt_ms(engine, username))
    return statistics.median(times[first]), statistics.median(times[second])


def test_an_unknown_name_takes_as_long_as_a_wrong_password(engine, user) -> None:
    """Hole 7 (measured bound): bcrypt of cost 12 is ~200 ms; both paths run it once, so their medians
    of 20 differ by far less than half (before: 392 vs 60 ms in the browser)."""
    existing, unknown = _medians_ms(engine, user, "niemand-hier")
    print(f"median of 20: existing {existing:.0f} ms, unknown {unknown:.0f} ms")
    assert unknown > 0.6 * existing and existing > 0.6 * unknown


def test_the_dummy_hash_has_the_cost_of_stored_hashes() -> None:
    assert auth_store.DUMMY_HASH.split("$")[2] == passwords.hash_password("x").split("$")[2] == "12"


@pytest.mark.usefixtures("cheap_hashes")
def test_the_cdo_sees_and_lifts_a_delay_audited(engine, user, fake_clock) -> None:
    for _ in range(auth_store.MAX_FAILURES):
        _fail(engine, user)
    with read_session(engine) as session:
        delayed = auth_store.delayed_accounts(session=session)
    assert delayed.to_dict("records") == [
        {
            "username": user,
            "failures": auth_store.MAX_FAILURES,
            "since": fake_clock.now(),
            "until": fake_clock.now() + timedelta(seconds=2),
        }
    ]
    with write_session(engine) as session:
        auth_store.unlock(session=session, username=user, actor="cdo")
    with read_session(engine) as session:
        assert auth_store.delayed_accounts(session=session).empty
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "unlock")).one()
    assert entry.actor == "cdo"
    assert _try(engine, user, PASSWORD, client="10.0.0.1").user is not None


@pytest.mark.usefixtures("cheap_hashes")
def test_security_events_name_the_user_never_the_password(engine, user, fake_clock, caplog) -> None:
    logger = logging.getLogger(LOGGER_NAME)
    logger.addHandler(caplog.handler)
    try:
        for _ in range(5):
            _fail(engine, user)
        _try(engine, user, PASSWORD)
        _try(engine, "Sommer2026!!", "falsches-passwort")  # a password typed as the name
        with write_session(engine) as session:
            auth_store.unlock(session=session, username=user, actor="cdo")
            auth_store.revoke_sessions(session=session, username=user, actor="cdo", reason="revoke")
    finally:
        logger.removeHandler(caplog.handler)
    lines = [record.getMessage() for record in caplog.records]
    kinds = [line.split()[0] for line in lines]
    assert kinds == [
        *["login_failed"] * 5, "login_delayed", "login_failed", "account_unlocked", "sessions_revoked"
    ]  # fmt: skip
    assert "login_failed user=anna client=10.0.0.1" in lines
    assert "login_failed user=(unbekannt) client=10.0.0.1" in lines
    assert not any("falsches-passwort" in line or PASSWORD in line or "Sommer" in line for line in lines)


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


LIMITS = Settings(database_url="", demo_mode=True, cookie_key=None)


def test_an_admin_login_counts_at_most_12_hours_whatever_the_cookie_says(engine, user, fake_clock) -> None:
    issued = fake_clock.now()
    fake_clock.advance(hours=11)
    with read_session(engine) as session:
        assert auth_store.valid_user(session=session, username=user, issued_at=issued, limits=LIMITS,
                                     last_active=fake_clock.now())  # fmt: skip
    fake_clock.advance(hours=1, seconds=1)
    with read_session(engine) as session:
        assert not auth_store.valid_user(session=session, username=user, issued_at=issued, limits=LIMITS,
                                         last_active=fake_clock.now())  # fmt: skip
        # A token claiming to be issued in the future (e.g. forged with a leaked key) is refused too.
        future = fake_clock.now() + timedelta(days=365)
        assert not auth_store.valid_user(session=session, username=user, issued_at=future, limits=LIMITS)


def test_an_admin_login_idle_for_two_hours_ends(engine, user, fake_clock) -> None:
    issued = fake_clock.now()
    fake_clock.advance(minutes=119)
    with read_session(engine) as session:
        assert auth_store.valid_user(session=session, username=user, issued_at=issued, limits=LIMITS)
    with write_session(engine) as session:
        auth_store.record_activity(session=session, username=user)  # e.g. a click in another tab
    fake_clock.advance(minutes=119)
    with read_session(engine) as session:
        assert auth_store.valid_user(session=session, username=user, issued_at=issued, limits=LIMITS)
        assert not auth_store.valid_user(session=session, username=user, issued_at=issued, limits=LIMITS,
                                         last_active=issued)  # fmt: skip
    fake_clock.advance(minutes=2)
    with read_session(engine) as session:
        assert not auth_store.valid_user(session=session, username=user, issued_at=issued, limits=LIMITS)


def test_other_roles_keep_a_login_seven_days(engine, fake_clock) -> None:
    with write_session(engine) as session:
        auth_store.create_user(session=session, username="leitung", display_name="Leitung", role=Role.LEITUNG,
                               password=PASSWORD, actor="test")  # fmt: skip
    issued = fake_clock.now()
    fake_clock.advance(days=6, hours=23)
    with read_session(engine) as session:
        assert auth_store.valid_user(session=session, username="leitung", issued_at=issued, limits=LIMITS)
    fake_clock.advance(hours=1, seconds=1)
    with read_session(engine) as session:
        assert not auth_store.valid_user(session=session, username="leitung", issued_at=issued, limits=LIMITS)


def test_spaces_count_at_login_as_they_were_set(engine, fake_clock) -> None:
    """Point 8: a password with a trailing space was stored, but the login stripped it and never matched."""
    with pytest.raises(AuthError, match="Leerzeichen"), write_session(engine) as session:
        auth_store.create_user(session=session, username="bert", display_name="Bert", role=Role.LEITUNG,
                               password="Wolke Tanne Kaffeetasse 9 ", actor="test")  # fmt: skip
    with write_session(engine) as session:
        auth_store.create_user(session=session, username="bert", display_name="Bert", role=Role.LEITUNG,
                               password="Wolke Tanne Kaffeetasse 9", actor="test")  # fmt: skip
    assert _password_passes(engine, "bert", "Wolke Tanne Kaffeetasse 9")
    assert not _password_passes(engine, "bert", "Wolke Tanne Kaffeetasse 9 ")  # compared exactly
    assert _password_passes(engine, " Bert ", "Wolke Tanne Kaffeetasse 9")  # the name is trimmed
