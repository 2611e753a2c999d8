"""Verwaltung, tab Benutzer: accounts, roles, password resets and login delays."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
import streamlit as st

from model.accounts import admin as user_admin
from model.accounts.auth import UserInfo
from model.accounts.passwords import MIN_LENGTH
from model.core import clock
from model.core.db import read_session
from model.core.german import fmt_datetime
from ui import cache, feedback
from ui.admin.common import (
    NEW,
    ROLES,
    missing,
    yes_no,
)
from ui.commands import run as run_command
from ui.commands import shown
from ui.feedback import FormRound
from ui.plain import escaped
from ui.tables import show_table

USERS_TAB = "users"
USER_NEW_AREA, USER_ROLE_AREA, USER_LINK_AREA = "user_new", "user_role", "user_link"
USER_PASSWORD_AREA, USER_ACTIVE_AREA, USER_UNLOCK_AREA = "user_password", "user_active", "user_unlock"
POLICY = (
    f"Passwortregel: mindestens {MIN_LENGTH} Zeichen, nicht der Benutzername und kein verbreitetes Passwort. "
    "Tipp: mehrere Wörter mit Bindestrichen. Nach dem Zurücksetzen enden alle Anmeldungen des Kontos."
)


def render_users(user: UserInfo) -> None:
    users = cache.query(user_admin.users_overview)
    with read_session() as session:  # not cached: a delay can start with any failed login
        delayed = user_admin.delayed_accounts(session=session)
    until = dict(zip(delayed["username"], delayed["until"], strict=True))
    st.subheader("Benutzerkonten")
    show_table(
        pd.DataFrame(
            {
                "Benutzername": users["username"],
                "Anzeigename": users["display_name"],
                "E-Mail": users["email"].fillna("–"),
                "Rolle": users["role"].map(ROLES),
                "Aktiv": users["active"].map(yes_no),
                "Verknüpfte Lotsin / verknüpfter Lotse": users["pilot_name"].fillna("–"),
                "Anmeldung verzögert bis": users["username"].map(lambda name: _until_text(until.get(name))),
            }
        ),
        name="Benutzerkonten",
        key="users_table",
    )
    _delayed_table(delayed)
    by_id = {int(row["id"]): row for _, row in users.iterrows()}
    selected = st.selectbox(
        "Konto",
        [NEW, *by_id],
        format_func=lambda value: (
            "Neues Konto anlegen"
            if value == NEW
            else f"{by_id[value]['username']} – {by_id[value]['display_name']}"
        ),
        key="user_selected",
    )
    st.caption(POLICY)
    if selected == NEW:
        _new_user_form(user)
    else:
        _user_actions(user, by_id[selected], delayed=by_id[selected]["username"] in until)


def _until_text(until: datetime | None) -> str:
    """End of a delay that is still running, else "–"."""
    return fmt_datetime(until) if until is not None and until > clock.now() else "–"


def _delayed_table(delayed: pd.DataFrame) -> None:
    """Accounts with repeated failed logins: how many, since when, until when the next attempt waits."""
    if delayed.empty:
        st.caption("Keine Konten mit wiederholten Fehlversuchen (letzte 24 Stunden).")
        return
    st.markdown("**Anmeldungen nach wiederholten Fehlversuchen verzögert**")
    show_table(
        pd.DataFrame(
            {
                "Benutzername": delayed["username"],
                "Fehlversuche (24 Std.)": delayed["failures"],
                "Seit": delayed["since"].map(fmt_datetime),
                "Nächster Versuch ab": delayed["until"].map(_until_text),
            }
        ),
        name="Verzögerte Anmeldungen",
        key="delayed_table",
    )
    st.caption(
        "Die Wartezeit verdoppelt sich mit jedem weiteren Fehlversuch (bis 15 Minuten) und gilt voll nur "
        "für die Geräte, von denen die Fehlversuche kamen; von anderen Geräten wartet die Anmeldung "
        "höchstens 30 Sekunden. Zum Aufheben das Konto unten wählen."
    )


def _new_user_form(user: UserInfo) -> None:
    form = FormRound("user_new")
    with st.form(form.form):
        left, right = st.columns(2)
        username = left.text_input("Benutzername", max_chars=50, key=form.key("username"))
        display_name = right.text_input("Anzeigename", max_chars=200, key=form.key("display"))
        email = left.text_input("E-Mail (optional)", max_chars=254, key=form.key("email"))
        role = right.selectbox("Rolle", list(ROLES), format_func=ROLES.get, key=form.key("role"))
        pilot_email = st.text_input(
            "E-Mail der Lotsin / des Lotsen (Pflicht bei der Rolle Lotse)",
            max_chars=254,
            key=form.key("pilot"),
        )
        password = st.text_input("Passwort", type="password", max_chars=72, key=form.key("password"))
        if st.form_submit_button("Konto anlegen"):
            run_command(
                USER_NEW_AREA,
                user_admin.create_user,
                success=f"Das Konto „{escaped(username.strip().lower())}“ wurde angelegt.",
                reset=[form],
                actor=user,
                data=user_admin.NewUser(
                    username=username,
                    display_name=display_name,
                    role=role,
                    password=password,
                    email=email,
                    pilot_email=pilot_email,
                ),
            )
    feedback.show(USER_NEW_AREA)


def _user_actions(user: UserInfo, account: pd.Series, *, delayed: bool) -> None:
    user_id = int(account["id"])
    name = escaped(account["username"])
    # What the forms show, kept until a save: the save names its version, so a change another admin
    # made meanwhile refuses it.
    form = FormRound(f"user_{user_id}")
    seen = shown(
        form,
        {
            "role": account["role"],
            "active": bool(account["active"]),
            "pilot_email": None if missing(account["pilot_email"]) else account["pilot_email"],
            "version": int(account["version"]),
        },
    )
    edit = {"user_id": user_id, "expected_version": seen["version"]}
    common: dict[str, Any] = {"actor": user, "reset": [form]}
    with st.form(form.key("role_form")):
        roles = list(ROLES)
        role = st.selectbox(
            "Rolle", roles, index=roles.index(seen["role"]), format_func=ROLES.get, key=form.key("role")
        )
        if st.form_submit_button("Rolle speichern"):
            run_command(
                USER_ROLE_AREA,
                user_admin.change_role,
                success=f"Die Rolle von „{name}“ ist jetzt „{ROLES[role]}“.",
                data=user_admin.RoleChange(**edit, role=role),
                **common,
            )
    feedback.show(USER_ROLE_AREA)
    with st.form(form.key("link_form")):
        pilot_email = st.text_input(
            "Verknüpfte Lotsin / verknüpfter Lotse (E-Mail; leer: keine Verknüpfung)",
            seen["pilot_email"] or "",
            max_chars=254,
            key=form.key("link"),
        )
        if st.form_submit_button("Verknüpfung speichern"):
            run_command(
                USER_LINK_AREA,
                user_admin.link_pilot,
                success=f"Die Verknüpfung von „{name}“ wurde gespeichert.",
                data=user_admin.PilotLink(**edit, pilot_email=pilot_email),
                **common,
            )
    feedback.show(USER_LINK_AREA)
    with st.form(form.key("password_form"), clear_on_submit=True):
        first = st.text_input("Neues Passwort", type="password", max_chars=72, key=form.key("pw_1"))
        second = st.text_input(
            "Neues Passwort wiederholen", type="password", max_chars=72, key=form.key("pw_2")
        )
        if st.form_submit_button("Passwort zurücksetzen"):
            if first != second:
                st.error("Die beiden Passwörter stimmen nicht überein.")
            else:
                run_command(
                    USER_PASSWORD_AREA,
                    user_admin.reset_password,
                    success=f"Das Passwort von „{name}“ wurde zurückgesetzt; alle Anmeldungen sind beendet.",
                    data=user_admin.PasswordReset(**edit, new_password=first),
                    **common,
                )
    feedback.show(USER_PASSWORD_AREA)
    active = bool(seen["active"])
    if st.button("Konto deaktivieren" if active else "Konto reaktivieren", key=form.key("toggle_active")):
        run_command(
            USER_ACTIVE_AREA,
            user_admin.set_active,
            success=f"„{name}“ ist deaktiviert; alle Anmeldungen sind beendet."
            if active
            else f"„{name}“ ist wieder aktiv.",
            data=user_admin.ActiveChange(**edit, active=not active),
            **common,
        )
    feedback.show(USER_ACTIVE_AREA)
    if delayed and st.button("Verzögerung der Anmeldung aufheben", key=form.key("unlock")):
        run_command(
            USER_UNLOCK_AREA,
            user_admin.unlock,
            success=f"Die Anmeldung von „{name}“ ist nicht mehr verzögert.",
            data=user_admin.AccountEdit(**edit),
            **common,
        )
    feedback.show(USER_UNLOCK_AREA)
