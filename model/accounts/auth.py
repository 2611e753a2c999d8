"""Users in the database: creation, password policy, login checks with delays, session limits.

Everything about who may log in (password check, delays after failures, revoking cookies, the
maximum age and idle time of a login) lives here, testable with a controllable clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pandas as pd
from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from model.accounts.passwords import hash_password, password_problem, personal_words, verify_password
from model.core import app_settings, clock
from model.core.audit import record_audit
from model.core.enums import Role
from model.core.errors import DomainError
from model.core.security_log import security_event
from model.core.settings import Settings
from model.core.tables import AppUser, LoginFailure, Pilot

MAX_FAILURES = 5  # failed logins of one user name before its attempts are delayed
CLIENT_FREE_FAILURES = 30  # from one client address (any name; an office behind one NAT) before delays
FAILURE_WINDOW = timedelta(hours=24)  # older failures no longer count
MAX_DELAY = timedelta(minutes=15)
CLEAN_CLIENT_DELAY = timedelta(seconds=30)  # the longest wait for a client without own failures
# bcrypt (cost 12, like hash_password) of a random secret thrown away: unknown names take as long.
DUMMY_HASH = "$2b$12$gHR8GJWhn2qEurAc.p8dS.OWoXn/rfF3KPd9AuwhyLw1gucvrzoBq"  # noqa: S105
UNKNOWN_NAME = "(unbekannt)"
MAX_USERNAME = 50
MAX_CLIENT = 64
ACTIVITY_STEP = timedelta(minutes=1)  # last_seen_at is written at most this often per user
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,49}$")
MAX_DISPLAY_NAME = 200  # the lengths of the app_user columns
MAX_EMAIL = 254


class AuthError(DomainError, ValueError):
    """A user-facing German reason why an account operation was refused."""


@dataclass(frozen=True)
class UserInfo:
    """What the app needs to know about a logged-in user."""

    id: int
    username: str
    display_name: str
    role: Role
    pilot_id: int | None


def _demo(session: Session) -> bool:
    return app_settings.is_demo_data(session=session)


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
    inputs = personal_words(display_name, email)
    if problem := password_problem(password, username=username, user_inputs=inputs, demo_data=_demo(session)):
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


def _delay(failures: int, *, free: int, longest: timedelta) -> timedelta:
    """Doubling waits once `free` failures are used up: 2 s, 4 s, 8 s … up to `longest`."""
    if failures < free:
        return timedelta(0)
    return min(timedelta(seconds=2 ** min(failures - free + 1, 20)), longest)


def _account_since(session: Session, username: str, since: datetime) -> datetime:
    """Failures of an account count from its last successful login or unlock (within the window)."""
    reset = session.exec(select(AppUser.failures_reset_at).where(AppUser.username == username)).first()
    return max(since, _aware(reset)) if reset is not None else since


def delayed_until(*, session: Session, username: str, client: str) -> datetime | None:
    """Until when a login of `username` from `client` is refused unchecked, or None if it may try now.

    Counted per user name (known or not, so that the answer tells nothing about existence) and per
    client address. A client without failures of its own on this account waits at most
    CLEAN_CLIENT_DELAY: failures elsewhere cannot keep the account's owner out for long.
    """
    now = clock.now()
    since = now - FAILURE_WINDOW
    waits: list[datetime] = []
    count, last = session.exec(
        select(func.count(), func.max(LoginFailure.at)).where(
            LoginFailure.client == client, LoginFailure.at > since
        )
    ).one()
    if count:
        waits.append(_aware(last) + _delay(count, free=CLIENT_FREE_FAILURES, longest=MAX_DELAY))
    account = (LoginFailure.username == username, LoginFailure.at > _account_since(session, username, since))
    count, last = session.exec(select(func.count(), func.max(LoginFailure.at)).where(*account)).one()
    if count:
        own = session.exec(select(func.count()).where(*account, LoginFailure.client == client)).one()
        longest = MAX_DELAY if own else CLEAN_CLIENT_DELAY
        waits.append(_aware(last) + _delay(count, free=MAX_FAILURES, longest=longest))
    until = max(waits, default=now)
    return until if until > now else None


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive UTC datetimes.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class LoginOutcome:
    """The answer to one login attempt: the user, or nothing (and until when the next must wait)."""

    user: UserInfo | None
    wait_until: datetime | None = None


def authenticate(*, session: Session, username: str, password: str, client: str) -> LoginOutcome:
    """Check one login attempt; every refusal looks and takes the same for known and unknown names.

    The password is compared exactly as typed (leading and trailing spaces are refused when it is
    set). An unknown or inactive user name is checked against DUMMY_HASH, of the same bcrypt cost
    as every stored hash; a delayed attempt is refused without checking the password at all.
    """
    name = username.strip().lower()[:MAX_USERNAME]
    # An unknown name may be a password typed into the wrong field: it stays out of the log.
    logged = name if _user(session, name) is not None else UNKNOWN_NAME
    until = delayed_until(session=session, username=name, client=client)
    if until is not None:
        security_event("login_delayed", user=logged, client=client, until=until.isoformat(timespec="seconds"))
        return LoginOutcome(user=None, wait_until=until)
    user = _user(session, name)
    usable = user is not None and user.active
    matches = verify_password(password, user.password_hash if user is not None and usable else DUMMY_HASH)
    if user is not None and usable and matches:
        # The account's count starts again; other clients' failures still count against those clients.
        session.exec(
            delete(LoginFailure).where(col(LoginFailure.username) == name, col(LoginFailure.client) == client)
        )
        user.failures_reset_at = clock.now()
        session.add(user)
        security_event("login_succeeded", user=name, client=client, warning=False)
        return LoginOutcome(user=_info(user))
    now = clock.now()
    session.exec(delete(LoginFailure).where(col(LoginFailure.at) <= now - FAILURE_WINDOW))
    session.add(LoginFailure(username=name, client=client[:MAX_CLIENT], at=now))
    session.flush()
    security_event("login_failed", user=logged, client=client)
    return LoginOutcome(user=None, wait_until=delayed_until(session=session, username=name, client=client))


def delayed_accounts(*, session: Session) -> pd.DataFrame:
    """Accounts whose logins wait now: user name, failures, first failure (since), wait ends (until)."""
    since = clock.now() - FAILURE_WINDOW
    rows = session.exec(
        select(LoginFailure.username, func.count(), func.min(LoginFailure.at), func.max(LoginFailure.at))
        .join(AppUser, col(AppUser.username) == LoginFailure.username)
        .where(LoginFailure.at > since)
        .where(
            (col(AppUser.failures_reset_at).is_(None)) | (col(LoginFailure.at) > AppUser.failures_reset_at)
        )
        .group_by(LoginFailure.username)
        .having(func.count() >= MAX_FAILURES)
        .order_by(LoginFailure.username)
    ).all()
    return pd.DataFrame(
        [
            (name, count, _aware(first), _aware(last) + _delay(count, free=MAX_FAILURES, longest=MAX_DELAY))
            for name, count, first, last in rows
        ],
        columns=["username", "failures", "since", "until"],
    )


def unlock(*, session: Session, username: str, actor: str) -> None:
    """Lift the delay of `username` (audited): its failures so far no longer count against the account,
    only against the clients they came from; its next login is checked at once."""
    user = _user(session, username)
    if user is None:
        raise AuthError("Unbekannter Benutzer.")
    since = _account_since(session, username, clock.now() - FAILURE_WINDOW)
    failures = session.exec(
        select(func.count()).where(LoginFailure.username == username, LoginFailure.at > since)
    ).one()
    if not failures:
        raise AuthError(f"Das Konto „{username}“ hat keine Fehlversuche, die es verzögern.")
    user.failures_reset_at = clock.now()  # the failures stay, counted against their clients
    session.add(user)
    record_audit(
        session=session,
        actor=actor,
        action="unlock",
        entity="app_user",
        entity_id=user.id,
        changes={"login_failures": (failures, 0)},
    )
    security_event("account_unlocked", user=username, by=actor, failures=failures)


def revoke_sessions(*, session: Session, username: str, actor: str, reason: str) -> None:
    """Make every cookie and session issued so far for `username` worthless."""
    user = _user(session, username)
    if user is None:
        return
    security_event("sessions_revoked", user=username, by=actor, reason=reason, warning=reason != "logout")
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
    inputs = personal_words(user.display_name, user.email)
    if problem := password_problem(
        new_password, username=username, user_inputs=inputs, demo_data=_demo(session)
    ):
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


def valid_user(
    *,
    session: Session,
    username: str,
    issued_at: datetime,
    limits: Settings | None = None,
    last_active: datetime | None = None,
) -> UserInfo | None:
    """The user behind a session or cookie issued at `issued_at`, or None if it no longer counts.

    With `limits`, a login older than the role's maximum age (whatever the cookie's own expiry says)
    or idle for longer than the role's idle timeout counts no more; `last_active` is this session's
    last interaction, else the user's last activity anywhere (last_seen_at) or the issue time.
    """
    user = _user(session, username)
    if user is None or not user.active or issued_at < _aware(user.sessions_valid_after):
        return None
    if limits is not None and _beyond_limits(user, issued_at, last_active, limits):
        return None
    return _info(user)


def _beyond_limits(
    user: AppUser, issued_at: datetime, last_active: datetime | None, limits: Settings
) -> bool:
    now = clock.now()
    admin = user.role == Role.ADMIN.value
    max_age = timedelta(hours=limits.max_login_age_admin_hours if admin else limits.max_login_age_hours)
    idle_minutes = limits.idle_timeout_admin_minutes if admin else limits.idle_timeout_minutes
    if issued_at > now + timedelta(minutes=1) or now - issued_at > max_age:
        return True
    if last_active is None:
        seen = _aware(user.last_seen_at) if user.last_seen_at is not None else None
        last_active = max(issued_at, seen) if seen is not None else issued_at
    return bool(idle_minutes) and now - last_active > timedelta(minutes=idle_minutes)


def record_activity(*, session: Session, username: str) -> None:
    """Note that `username` did something now (at most once per ACTIVITY_STEP: one write a minute)."""
    user = _user(session, username)
    now = clock.now()
    if user is not None and (user.last_seen_at is None or now - _aware(user.last_seen_at) >= ACTIVITY_STEP):
        user.last_seen_at = now
        session.add(user)


def _info(user: AppUser) -> UserInfo:
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
