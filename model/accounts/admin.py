"""Benutzerverwaltung for the CDO-Büro: list, create, role, Lotse link, reset, (de)activate.

Wraps model.accounts.auth (password policy, hashing, revocation). Password hashes never leave
this module; every command is admin-only and audited in the caller's transaction.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import func
from sqlmodel import Session, col, select

from model.accounts import auth as auth_store
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


def users_overview(*, session: Session) -> pd.DataFrame:
    """One row per login (no password hashes): name, role, linked Lotse, active, creation."""
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
        )
        .outerjoin(Pilot, col(Pilot.id) == AppUser.pilot_id)
        .order_by(AppUser.username)
    ).all()
    columns = [
        "id", "username", "display_name", "email", "role", "active", "pilot_id", "pilot_name",
        "pilot_email", "created_at",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


# What the account form shows; a change is refused when the stored account no longer has these.
SEEN_FIELDS = ("role", "pilot_id", "active")


def _user(session: Session, user_id: int, seen: dict[str, Any] | None = None) -> AppUser:
    """The account, locked for this transaction; StaleEditError if it changed since the form showed `seen`."""
    user = session.get(AppUser, user_id, with_for_update=True)
    if user is None:
        raise AdminError("Dieses Benutzerkonto gibt es nicht (mehr).")
    if seen is not None and any(getattr(user, name) != seen.get(name) for name in SEEN_FIELDS):
        refuse_stale(what=f"Das Konto „{user.username}“")
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


def create_user(
    *,
    session: Session,
    username: str,
    display_name: str,
    role: str,
    password: str,
    email: str | None,
    pilot_email: str | None,
    actor: str,
) -> AppUser:
    """A new login; the password policy of model.accounts.passwords applies (German reasons).

    The same admin's identical create moments ago is not stored twice (AlreadySaved); identical
    means what the audit row records: user name and role.
    """
    require_admin(session=session, actor=actor)
    clean_text(display_name, field="Anzeigename", max_length=200)
    address = clean_text(email, field="E-Mail", max_length=EMAIL_MAX, required=False)
    name = str(username).strip().lower()
    created = {"username": (None, name), "role": (None, _role(role).value)}  # as auth_store audits it
    what = f"Das Konto „{name}“"
    refuse_repeat(session=session, actor=actor, entity=ENTITY, changes=created, model=AppUser, what=what)
    pilot_id = _pilot_by_email(session, pilot_email, user_id=None)
    if _role(role) is Role.LOTSE and pilot_id is None:
        raise AdminError(LOTSE_NEEDS_PILOT)
    return auth_store.create_user(
        session=session,
        username=username,
        display_name=display_name,
        role=_role(role),
        password=password,
        actor=actor,
        email=address,
        pilot_id=pilot_id,
    )


def change_role(
    *, session: Session, user_id: int, role: str, actor: str, seen: dict[str, Any] | None = None
) -> AppUser:
    """A new role; at least one active admin always remains. `seen`: what the form showed."""
    require_admin(session=session, actor=actor)
    user = _user(session, user_id, seen)
    new_role = _role(role)
    if user.role == new_role.value:
        raise AdminError("Es wurde nichts geändert.")
    if new_role is Role.LOTSE and user.pilot_id is None:
        raise AdminError(LOTSE_NEEDS_PILOT)
    if user.role == Role.ADMIN.value and user.active and _active_admins(session) <= 1:
        raise AdminError("Das letzte aktive Administrationskonto kann seine Rolle nicht abgeben.")
    record_audit(
        session=session,
        actor=actor,
        action="role",
        entity=ENTITY,
        entity_id=user.id,
        changes={"role": (user.role, new_role.value)},
    )
    security_event("role_changed", user=user.username, by=actor, before=user.role, after=new_role.value)
    user.role = new_role.value
    session.add(user)
    return user


def link_pilot(
    *,
    session: Session,
    user_id: int,
    pilot_email: str | None,
    actor: str,
    seen: dict[str, Any] | None = None,
) -> AppUser:
    """Link a login to a Lotse (by the Lotse's e-mail), or remove the link (empty e-mail)."""
    require_admin(session=session, actor=actor)
    user = _user(session, user_id, seen)
    pilot_id = _pilot_by_email(session, pilot_email, user_id=user_id)
    if pilot_id == user.pilot_id:
        raise AdminError("Es wurde nichts geändert.")
    if pilot_id is None and user.role == Role.LOTSE.value:
        raise AdminError(LOTSE_NEEDS_PILOT)
    record_audit(
        session=session,
        actor=actor,
        action="link",
        entity=ENTITY,
        entity_id=user.id,
        changes={"pilot_id": (user.pilot_id, pilot_id)},
    )
    user.pilot_id = pilot_id
    session.add(user)
    return user


def set_active(
    *, session: Session, user_id: int, active: bool, actor: str, seen: dict[str, Any] | None = None
) -> AppUser:
    """Deactivate (every session of the user ends at once) or reactivate a login."""
    admin = require_admin(session=session, actor=actor)
    user = _user(session, user_id, seen)
    if user.active == active:
        raise AdminError("Das Konto ist bereits " + ("aktiv." if active else "deaktiviert."))
    if not active and user.id == admin.id:
        raise AdminError("Sie können Ihr eigenes Konto nicht deaktivieren.")
    if not active and user.role == Role.ADMIN.value and _active_admins(session) <= 1:
        raise AdminError("Das letzte aktive Administrationskonto kann nicht deaktiviert werden.")
    record_audit(
        session=session,
        actor=actor,
        action="activate" if active else "deactivate",
        entity=ENTITY,
        entity_id=user.id,
        changes={"active": (user.active, active)},
    )
    user.active = active
    session.add(user)
    security_event("account_reactivated" if active else "account_deactivated", user=user.username, by=actor)
    if not active:
        auth_store.revoke_sessions(session=session, username=user.username, actor=actor, reason="revoke")
    return user


def reset_password(*, session: Session, user_id: int, new_password: str, actor: str) -> AppUser:
    """Set a new password chosen by the CDO-Büro; all earlier logins of the user end, delays are lifted."""
    require_admin(session=session, actor=actor)
    user = _user(session, user_id)
    auth_store.change_password(
        session=session, username=user.username, new_password=new_password, actor=actor
    )
    if user.username in set(auth_store.delayed_accounts(session=session)["username"]):
        auth_store.unlock(session=session, username=user.username, actor=actor)
    return user


def delayed_accounts(*, session: Session) -> pd.DataFrame:
    """Accounts whose logins are delayed after failures: user name, failures, since, until."""
    return auth_store.delayed_accounts(session=session)


def unlock(*, session: Session, username: str, actor: str) -> None:
    """Lift the delay of an account (its failed logins are forgotten; audited)."""
    require_admin(session=session, actor=actor)
    try:
        auth_store.unlock(session=session, username=username, actor=actor)
    except auth_store.AuthError as error:
        raise AdminError(str(error)) from error
