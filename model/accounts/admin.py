"""Benutzerverwaltung for the CDO-Büro: list, create, role, Lotse link, reset, (de)activate.

Wraps model.accounts.auth (password policy, hashing, revocation). Password hashes never leave
this module; every command is admin-only and audited in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func
from sqlmodel import Session, col, select

from model.accounts import auth as auth_store
from model.core.actor import Actor
from model.core.audit import record_audit
from model.core.enums import Role, labels_of
from model.core.guard import AdminError, clean_text, refuse_repeat, refuse_stale, require_admin
from model.core.security_log import security_event
from model.core.statements import select_columns
from model.core.tables import AppUser, Pilot

ENTITY = "app_user"
EMAIL_MAX = 254
LOTSE_NEEDS_PILOT = (
    "Ein Konto mit der Rolle Lotse braucht die Verknüpfung mit einer Lotsin / einem Lotsen "
    "(E-Mail der Lotsin / des Lotsen angeben)."
)


# A new login as the Benutzer form submits it (the password in clear, hashed by auth_store).
@dataclass(frozen=True)
class NewUser:
    username: str
    display_name: str
    role: str
    password: str
    email: str | None = None
    pilot_email: str | None = None


# Any edit of an existing account names the account and the version its form showed.
@dataclass(frozen=True)
class AccountEdit:
    user_id: int
    expected_version: int


@dataclass(frozen=True)
class RoleChange(AccountEdit):
    role: str


@dataclass(frozen=True)
class PilotLink(AccountEdit):
    pilot_email: str | None  # None or empty: the link is removed


@dataclass(frozen=True)
class ActiveChange(AccountEdit):
    active: bool


@dataclass(frozen=True)
class PasswordReset(AccountEdit):
    new_password: str


def users_overview(*, session: Session) -> pd.DataFrame:
    """One row per login (no password hashes): name, role, linked Lotse, active, creation, version."""
    rows = session.exec(
        select_columns(
            col(AppUser.id),
            col(AppUser.username),
            col(AppUser.display_name),
            col(AppUser.email),
            col(AppUser.role),
            col(AppUser.active),
            col(AppUser.pilot_id),
            col(Pilot.name),
            col(Pilot.email),
            col(AppUser.created_at),
            col(AppUser.version),
        )
        .outerjoin(Pilot, col(Pilot.id) == AppUser.pilot_id)
        .order_by(AppUser.username)
    ).all()
    columns = [
        "id", "username", "display_name", "email", "role", "active", "pilot_id", "pilot_name",
        "pilot_email", "created_at", "version",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def _user(session: Session, user_id: int, expected_version: int) -> AppUser:
    """The account, locked for this transaction; StaleEditError if it changed since `expected_version`."""
    user = session.get(AppUser, user_id, with_for_update=True)
    if user is None:
        raise AdminError("Dieses Benutzerkonto gibt es nicht (mehr).")
    session.refresh(user)
    if user.version != expected_version:
        refuse_stale(what=f"Das Konto „{user.username}“")
    return user


def _saved(session: Session, user: AppUser) -> AppUser:
    user.version += 1
    session.add(user)
    return user


def _role(role: str) -> Role:
    if role not in labels_of(Role):
        raise AdminError("Rolle: Bitte eine der vorgegebenen Rollen wählen.")
    return Role(role)


def _pilot_by_email(session: Session, email: str | None, *, user_id: int | None) -> int | None:
    """The id of the Lotse with this e-mail, if no other login is linked to it already."""
    address = clean_text(email, field="E-Mail der Lotsin / des Lotsen", max_length=EMAIL_MAX, required=False)
    if address is None:
        return None
    pilot = session.exec(select(Pilot).where(func.lower(Pilot.email) == address.lower())).first()
    if pilot is None:
        raise AdminError(f"Es gibt keine Lotsin / keinen Lotsen mit der E-Mail „{address}“.")
    other = session.exec(select(AppUser).where(AppUser.pilot_id == pilot.id)).first()
    if other is not None and other.id != user_id:
        raise AdminError(f"„{pilot.name}“ ist bereits mit dem Konto „{other.username}“ verknüpft.")
    return pilot.id


def _active_admins(session: Session) -> int:
    return int(
        session.exec(
            select(func.count()).select_from(AppUser).where(AppUser.role == Role.ADMIN.value, AppUser.active)
        ).one()
    )


def create_user(*, session: Session, actor: Actor, data: NewUser) -> AppUser:
    """A new login; the password policy of model.accounts.passwords applies (German reasons).

    The same admin's identical create moments ago is not stored twice (AlreadySaved); identical
    means what the audit row records: user name and role.
    """
    require_admin(session=session, actor=actor.username)
    clean_text(data.display_name, field="Anzeigename", max_length=200)
    address = clean_text(data.email, field="E-Mail", max_length=EMAIL_MAX, required=False)
    name = str(data.username).strip().lower()
    created = {"username": (None, name), "role": (None, _role(data.role).value)}  # as auth_store audits it
    what = f"Das Konto „{name}“"
    refuse_repeat(
        session=session, actor=actor.username, entity=ENTITY, changes=created, model=AppUser, what=what
    )
    pilot_id = _pilot_by_email(session, data.pilot_email, user_id=None)
    if _role(data.role) is Role.LOTSE and pilot_id is None:
        raise AdminError(LOTSE_NEEDS_PILOT)
    return auth_store.create_user(
        session=session,
        username=data.username,
        display_name=data.display_name,
        role=_role(data.role),
        password=data.password,
        actor=actor.username,
        email=address,
        pilot_id=pilot_id,
    )


def change_role(*, session: Session, actor: Actor, data: RoleChange) -> AppUser:
    """A new role; at least one active admin always remains."""
    require_admin(session=session, actor=actor.username)
    user = _user(session, data.user_id, data.expected_version)
    new_role = _role(data.role)
    if user.role == new_role.value:
        raise AdminError("Es wurde nichts geändert.")
    if new_role is Role.LOTSE and user.pilot_id is None:
        raise AdminError(LOTSE_NEEDS_PILOT)
    if user.role == Role.ADMIN.value and user.active and _active_admins(session) <= 1:
        raise AdminError("Das letzte aktive Administrationskonto kann seine Rolle nicht abgeben.")
    record_audit(
        session=session,
        actor=actor.username,
        action="role",
        entity=ENTITY,
        entity_id=user.id,
        changes={"role": (user.role, new_role.value)},
    )
    security_event(
        "role_changed", user=user.username, by=actor.username, before=user.role, after=new_role.value
    )
    user.role = new_role.value
    return _saved(session, user)


def link_pilot(*, session: Session, actor: Actor, data: PilotLink) -> AppUser:
    """Link a login to a Lotse (by the Lotse's e-mail), or remove the link (empty e-mail)."""
    require_admin(session=session, actor=actor.username)
    user = _user(session, data.user_id, data.expected_version)
    pilot_id = _pilot_by_email(session, data.pilot_email, user_id=data.user_id)
    if pilot_id == user.pilot_id:
        raise AdminError("Es wurde nichts geändert.")
    if pilot_id is None and user.role == Role.LOTSE.value:
        raise AdminError(LOTSE_NEEDS_PILOT)
    record_audit(
        session=session,
        actor=actor.username,
        action="link",
        entity=ENTITY,
        entity_id=user.id,
        changes={"pilot_id": (user.pilot_id, pilot_id)},
    )
    user.pilot_id = pilot_id
    return _saved(session, user)


def set_active(*, session: Session, actor: Actor, data: ActiveChange) -> AppUser:
    """Deactivate (every session of the user ends at once) or reactivate a login."""
    admin = require_admin(session=session, actor=actor.username)
    user = _user(session, data.user_id, data.expected_version)
    active = data.active
    if user.active == active:
        raise AdminError("Das Konto ist bereits " + ("aktiv." if active else "deaktiviert."))
    if not active and user.id == admin.id:
        raise AdminError("Sie können Ihr eigenes Konto nicht deaktivieren.")
    if not active and user.role == Role.ADMIN.value and _active_admins(session) <= 1:
        raise AdminError("Das letzte aktive Administrationskonto kann nicht deaktiviert werden.")
    record_audit(
        session=session,
        actor=actor.username,
        action="activate" if active else "deactivate",
        entity=ENTITY,
        entity_id=user.id,
        changes={"active": (user.active, active)},
    )
    user.active = active
    _saved(session, user)
    security_event(
        "account_reactivated" if active else "account_deactivated", user=user.username, by=actor.username
    )
    if not active:
        auth_store.revoke_sessions(
            session=session, username=user.username, actor=actor.username, reason="revoke"
        )
    return user


def reset_password(*, session: Session, actor: Actor, data: PasswordReset) -> AppUser:
    """Set a new password chosen by the CDO-Büro; all earlier logins of the user end, delays are lifted."""
    require_admin(session=session, actor=actor.username)
    user = _user(session, data.user_id, data.expected_version)
    auth_store.change_password(
        session=session, username=user.username, new_password=data.new_password, actor=actor.username
    )
    if user.username in set(auth_store.delayed_accounts(session=session)["username"]):
        auth_store.unlock(session=session, username=user.username, actor=actor.username)
    return _saved(session, user)


def delayed_accounts(*, session: Session) -> pd.DataFrame:
    """Accounts whose logins are delayed after failures: user name, failures, since, until."""
    return auth_store.delayed_accounts(session=session)


def unlock(*, session: Session, actor: Actor, data: AccountEdit) -> AppUser:
    """Lift the delay of an account (its failed logins are forgotten; audited)."""
    require_admin(session=session, actor=actor.username)
    user = _user(session, data.user_id, data.expected_version)
    try:
        auth_store.unlock(session=session, username=user.username, actor=actor.username)
    except auth_store.AuthError as error:
        raise AdminError(str(error)) from error
    return _saved(session, user)
