"""The tabs of the Verwaltung page (admin only): forms and tables that call the model commands.

Every write runs one model command in one transaction (audit row included) through ui.commands:
a German confirmation beside the form and as a toast, a create form drawn empty again, an edit
form that saves against the state it showed. Refusals are shown in German and change nothing.
User text in messages is escaped, so it never renders as Markdown or HTML.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from model.accounts import admin as user_admin
from model.accounts.auth import UserInfo
from model.accounts.passwords import MIN_LENGTH
from model.core import clock
from model.core.app_settings import soll_rule
from model.core.db import read_session, write_session
from model.core.enums import (
    Category,
    Donor,
    FundingStatus,
    ItTaskArea,
    MeasureStatus,
    ModuleKind,
    PhaseStatus,
    Rag,
    Role,
    SollRule,
    UnitKind,
    labels_of,
)
from model.funding import programmes as funding
from model.it_staff import structures as it_staff
from model.it_staff.structures import StaffCell
from model.org import units as org_units
from model.programme import plan as programme
from model.roadmap import bulk as admin_measures
from model.roadmap import ideas
from model.roadmap.bulk import RowEdit
from ui import cache, feedback, pickers
from ui.charts import FONT_SIZE, PALETTE
from ui.commands import choose_again, shown
from ui.commands import run as run_command
from ui.feedback import FormRound
from ui.filters import scope_filter
from ui.locale import VEGA_DATE, fmt_date, fmt_datetime, fmt_euro, fmt_number, vega_number
from ui.plain import escaped
from ui.tables import MAX_SHOWN_ROWS, show_table

PINNED_KEY = "verwaltung_pinned_tables"
CATEGORY_LABELS = labels_of(Category)
TASK_LABELS = labels_of(ItTaskArea)
UNIT_KINDS = labels_of(UnitKind)
ROLES = labels_of(Role)
PHASE_STATUSES = labels_of(PhaseStatus)
MODULE_KINDS = labels_of(ModuleKind)
DONORS = labels_of(Donor)
FUNDING_STATUSES = labels_of(FundingStatus)
MEASURE_STATUSES = labels_of(MeasureStatus)
RAGS = labels_of(Rag)
NEW = "new"
TOP_LEVEL = "top"


def yes_no(value: object) -> str:
    return "ja" if bool(value) else "nein"


def amount_text(value: float | None, decimals: int = 2) -> str:
    """A number for a text field in German format, without needless decimals: 1.250 · 0,75."""
    if value is None or pd.isna(value):
        return ""
    text = fmt_number(value, decimals)
    return text.rstrip("0").rstrip(",") if "," in text else text


# ------------------------------------------------------------------ writing


def pinned(editor_key: str, load: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """The table an editor was opened with. Edits are stored by row position, so a reload
    underneath pending edits could move them onto other rows; a new editor key reloads."""
    store = st.session_state.get(PINNED_KEY, {})
    if editor_key not in store:
        store = {key: frame for key, frame in store.items() if key.split("_")[0] != editor_key.split("_")[0]}
        store[editor_key] = load()
        st.session_state[PINNED_KEY] = store
    return store[editor_key]


def reload_editor(round_key: str) -> None:
    """Drop the edits and show the current data (e.g. after someone else saved)."""
    st.session_state[round_key] = st.session_state.get(round_key, 0) + 1
    cache.clear_after_write()
    st.rerun()


def missing(value: object) -> bool:
    """A value the table did not have (None, NaN, NaT)."""
    return value is None or bool(pd.isna(value))  # type: ignore[call-overload]


# ------------------------------------------------------------------ Organisationseinheiten

UNITS_TAB = "units"
SOLL_AREA, UNIT_NEW_AREA, UNIT_EDIT_AREA = "soll_rule", "unit_new", "unit_edit"
UNIT_MOVE_AREA, UNIT_STATUS_AREA, UNIT_DELETE_AREA = "unit_move", "unit_status", "unit_delete"


def _unit_table(tree: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Struktur": [
                "· " * depth + f"{code} – {name}"
                for depth, code, name in zip(tree["depth"], tree["code"], tree["name"], strict=True)
            ],
            "Pfad": tree["path"],
            "Art": tree["kind"].map(UNIT_KINDS),
            "Beschäftigte": tree["headcount"],
            "Soll-Lotsen": tree["soll"],
            "Soll festgelegt": tree["target_pilots"].map(
                lambda v: "nach Regel" if pd.isna(v) else "eigener Wert"
            ),
            "Lotsen im Programm": tree["pilots"],
            "Aktiv": tree["active"].map(yes_no),
        }
    )


def render_units(user: UserInfo) -> None:
    active, inactive = cache.query(org_units.unit_counts)
    # The first rows in tree order; the downloads read every unit when clicked.
    tree = cache.query(org_units.unit_tree, limit=MAX_SHOWN_ROWS)
    st.subheader("Organigramm")
    st.caption(
        f"{fmt_number(active)} aktive und {fmt_number(inactive)} "
        "inaktive Organisationseinheiten. Einheiten mit Historie werden nie gelöscht, nur deaktiviert."
    )
    show_table(
        _unit_table(tree),
        name="Organisationseinheiten",
        key="units_table",
        total=active + inactive,
        whole=lambda: _unit_table(cache.query(org_units.unit_tree)),
    )
    _soll_rule_form(user)
    st.subheader("Einheit bearbeiten")
    choose_again("unit_selected")
    current = st.session_state.get("unit_selected")
    offered = unit_options(key="unit_selected", keep=current if isinstance(current, int) else None)
    selected = st.selectbox(
        "Organisationseinheit",
        [NEW, *offered],
        format_func=lambda value: "Neue Organisationseinheit anlegen" if value == NEW else offered[value],
        key="unit_selected",
    )
    feedback.show(UNIT_DELETE_AREA)  # where the deleted unit was chosen
    if selected == NEW:
        _new_unit_form(user)
        return
    found = cache.query(org_units.unit_tree, unit_ids=(selected,))
    if found.empty:
        st.info("Diese Organisationseinheit gibt es nicht mehr.")
        return
    # The edit, move and status forms show one state of the unit and save against its version.
    form = FormRound(f"unit_{selected}")
    unit = shown(form, found.iloc[0].to_dict())
    _edit_unit_form(user, form, unit)
    _move_unit_form(user, form, unit)
    _unit_status_actions(user, form, unit)


def unit_options(
    *, key: str, keep: int | None = None, active_only: bool = False, outside_of: int | None = None
) -> dict[int, str]:
    """Id → "· · Kürzel – Name" in tree order; a long list is searched first (ui.pickers).

    `key` names the search field (`<key>_search`); `keep` (the current value) is always listed.
    """
    allowed = {"active_only": active_only, "outside_of": outside_of}
    total = cache.query(org_units.unit_choice_count, **allowed)
    term = pickers.search_term(total, key=key, search_label="Einheit suchen (Kürzel oder Name)")
    limit = pickers.MAX_CHOICES
    choices = cache.query(org_units.unit_choices, search=term, limit=limit, keep=keep, **allowed)
    pickers.note_cut(choices.found, noun="Einheiten")
    return dict(choices.options)


def _soll_rule_form(user: UserInfo) -> None:
    form = FormRound("soll_rule")
    rule = shown(form, cache.query(soll_rule))
    st.subheader("Soll-Lotsen-Regel")
    st.caption(
        "Gilt für alle Einheiten ohne eigenen Soll-Wert; Dezernate zählen als Container (Soll 0). "
        "Ein eigener Soll-Wert je Einheit wird unter „Einheit bearbeiten“ gesetzt."
    )
    rules = labels_of(SollRule)
    with st.form(form.form):
        chosen = st.radio(
            "Regel",
            list(rules),
            format_func=rules.get,
            index=list(rules).index(rule.rule.value),
            key=form.key("rule"),
        )
        per_n = st.number_input(
            "Beschäftigte je Lotse (nur für „1 Lotse je N Beschäftigte“)",
            1,
            100_000,
            value=rule.per_n,
            step=10,
            key=form.key("per_n"),
        )
        if st.form_submit_button("Regel speichern"):
            run_command(
                SOLL_AREA,
                org_units.change_soll_rule,
                success="Die Soll-Lotsen-Regel wurde gespeichert.",
                reset=[form],
                rule=chosen,
                per_n=per_n,
                expected=rule,
                actor=user.username,
            )
    feedback.show(SOLL_AREA)


def _unit_fields(form: FormRound, unit: dict[str, Any] | None) -> dict[str, Any]:
    current = unit or {}
    left, right = st.columns([1, 3])
    code = left.text_input("Kürzel", current.get("code", ""), max_chars=30, key=form.key("code"))
    name = right.text_input("Name", current.get("name", ""), max_chars=200, key=form.key("name"))
    kind_col, head_col, soll_col = st.columns(3)
    kinds = list(UNIT_KINDS)
    kind = kind_col.selectbox(
        "Art",
        kinds,
        index=kinds.index(current.get("kind", UnitKind.AMT.value)),
        format_func=UNIT_KINDS.get,
        key=form.key("kind"),
    )
    headcount = head_col.number_input(
        "Beschäftigte",
        0,
        org_units.MAX_HEADCOUNT,
        value=int(current.get("headcount", 0)),
        key=form.key("head"),
    )
    target = current.get("target_pilots")
    explicit = soll_col.number_input(
        "Eigenes Soll-Lotsen (leer: nach Regel)",
        0,
        org_units.MAX_TARGET,
        value=None if missing(target) else int(target),  # type: ignore[arg-type]
        key=form.key("target"),
    )
    return {"code": code, "name": name, "kind": kind, "headcount": headcount, "target_pilots": explicit}


def _new_unit_form(user: UserInfo) -> None:
    form = FormRound("unit_new")
    parents = unit_options(key=form.key("parent"), active_only=True)
    with st.form(form.form):
        values = _unit_fields(form, None)
        parent = st.selectbox(
            "Übergeordnete Einheit",
            [TOP_LEVEL, *parents],
            format_func=lambda value: (
                "(oberste Ebene, z. B. ein Dezernat)" if value == TOP_LEVEL else parents[value]
            ),
            key=form.key("parent"),
        )
        if st.form_submit_button("Einheit anlegen"):
            run_command(
                UNIT_NEW_AREA,
                org_units.add_unit,
                success=f"Die Einheit „{escaped(values['code'].strip())}“ wurde angelegt.",
                reset=[form],
                parent_id=None if parent == TOP_LEVEL else parent,
                actor=user.username,
                **values,
            )
    feedback.show(UNIT_NEW_AREA)


def _edit_unit_form(user: UserInfo, form: FormRound, unit: dict[str, Any]) -> None:
    st.text(f"Pfad: {unit['path']} · Version {unit['version']}")
    with st.form(form.key("edit")):
        values = _unit_fields(form, unit)
        if st.form_submit_button("Änderungen speichern"):
            run_command(
                UNIT_EDIT_AREA,
                org_units.update_unit,
                success=f"Die Einheit „{escaped(values['code'].strip())}“ wurde gespeichert.",
                reset=[form],
                keep={"unit_selected": int(unit["id"])},
                unit_id=int(unit["id"]),
                expected_version=int(unit["version"]),
                actor=user.username,
                **values,
            )
    feedback.show(UNIT_EDIT_AREA)


def _move_unit_form(user: UserInfo, form: FormRound, unit: dict[str, Any]) -> None:
    parent_id = None if missing(unit["parent_id"]) else int(unit["parent_id"])
    # The unit itself and its sub-units are not offered (the model refuses such cycles too).
    targets = unit_options(key=form.key("move"), keep=parent_id, outside_of=int(unit["id"]))
    current = TOP_LEVEL if parent_id is None else parent_id
    options = [TOP_LEVEL, *targets]
    with st.form(form.key("move_form")):
        parent = st.selectbox(
            "Verschieben unter",
            options,
            index=options.index(current) if current in options else 0,
            format_func=lambda value: "(oberste Ebene)" if value == TOP_LEVEL else targets[value],
            key=form.key("move"),
        )
        if st.form_submit_button("Einheit verschieben"):
            run_command(
                UNIT_MOVE_AREA,
                org_units.move_unit,
                success=f"„{escaped(unit['code'])}“ wurde verschoben (mit allen Untereinheiten).",
                reset=[form],
                keep={"unit_selected": int(unit["id"])},
                unit_id=int(unit["id"]),
                expected_version=int(unit["version"]),
                new_parent_id=None if parent == TOP_LEVEL else parent,
                actor=user.username,
            )
    feedback.show(UNIT_MOVE_AREA)


def _unit_status_actions(user: UserInfo, form: FormRound, unit: dict[str, Any]) -> None:
    arguments = {
        "unit_id": int(unit["id"]),
        "expected_version": int(unit["version"]),
        "actor": user.username,
        "reset": [form],
    }
    stays = {"keep": {"unit_selected": int(unit["id"])}}
    code = escaped(unit["code"])
    left, right = st.columns(2)
    if bool(unit["active"]):
        if left.button("Einheit deaktivieren", key=form.key("deactivate")):
            run_command(
                UNIT_STATUS_AREA,
                org_units.deactivate_unit,
                success=f"„{code}“ ist jetzt inaktiv; ihre Historie bleibt erhalten.",
                **arguments,
                **stays,
            )
    elif left.button("Einheit reaktivieren", key=form.key("reactivate")):
        run_command(
            UNIT_STATUS_AREA,
            org_units.reactivate_unit,
            success=f"„{code}“ ist wieder aktiv.",
            **arguments,
            **stays,
        )
    with right:
        confirmed = st.checkbox("Ja, diese Einheit endgültig löschen", key=form.key("delete_confirm"))
        if st.button("Einheit löschen", key=form.key("delete"), disabled=not confirmed):
            run_command(
                UNIT_DELETE_AREA,
                org_units.delete_unit,
                success=f"„{code}“ wurde gelöscht.",
                forget=["unit_selected"],
                **arguments,
            )
        st.caption("Nur möglich, wenn nichts auf die Einheit verweist (Lotsen, Maßnahmen, Historie …).")
    feedback.show(UNIT_STATUS_AREA)


# ------------------------------------------------------------------ Benutzer

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
                username=username,
                display_name=display_name,
                role=role,
                password=password,
                email=email,
                pilot_email=pilot_email,
                actor=user.username,
            )
    feedback.show(USER_NEW_AREA)


def _user_actions(user: UserInfo, account: pd.Series, *, delayed: bool) -> None:
    user_id = int(account["id"])
    name = escaped(account["username"])
    # What the forms show, kept until a save: a change another admin made meanwhile refuses it.
    form = FormRound(f"user_{user_id}")
    seen = shown(
        form,
        {
            "role": account["role"],
            "pilot_id": None if missing(account["pilot_id"]) else int(account["pilot_id"]),
            "active": bool(account["active"]),
            "pilot_email": None if missing(account["pilot_email"]) else account["pilot_email"],
        },
    )
    common: dict[str, Any] = {"user_id": user_id, "actor": user.username, "seen": seen, "reset": [form]}
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
                role=role,
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
                pilot_email=pilot_email,
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
                    user_id=user_id,
                    new_password=first,
                    actor=user.username,
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
            active=not active,
            **common,
        )
    feedback.show(USER_ACTIVE_AREA)
    if delayed and st.button("Verzögerung der Anmeldung aufheben", key=form.key("unlock")):
        run_command(
            USER_UNLOCK_AREA,
            user_admin.unlock,
            success=f"Die Anmeldung von „{name}“ ist nicht mehr verzögert.",
            username=str(account["username"]),
            actor=user.username,
        )
    feedback.show(USER_UNLOCK_AREA)


# ------------------------------------------------------------------ Programm

PROGRAMME_TAB = "programme"
PHASE_AREA, MILESTONE_AREA, GATE_AREA, MODULE_AREA = "phase", "milestone", "gate", "module"


def _german_dates(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return frame.assign(
        **{column: frame[column].map(lambda v: fmt_date(v) if pd.notna(v) else "–") for column in columns}
    )


def render_programme(user: UserInfo) -> None:
    phases = cache.query(programme.phases)
    st.subheader("Phasen")
    shown_dates = _german_dates(phases, ["planned_start", "planned_end", "actual_start", "actual_end"])
    show_table(
        pd.DataFrame(
            {
                "Phase": shown_dates["name"],
                "Geplant von": shown_dates["planned_start"],
                "Geplant bis": shown_dates["planned_end"],
                "Tatsächlich von": shown_dates["actual_start"],
                "Tatsächlich bis": shown_dates["actual_end"],
                "Status": phases["status"].map(PHASE_STATUSES),
                "Anmerkung": phases["status_note"].fillna("–"),
                "Meilensteine": phases["milestones"],
                "Beschlüsse": phases["gates"],
            }
        ),
        name="Programmphasen",
        key="phases_table",
    )
    _phase_form(user, phases)
    phase_names = dict(zip(phases["id"].astype(int), phases["name"], strict=True))
    _milestones(user, phase_names)
    _gates(user, phase_names)
    _modules(user)


def _record_form(
    name: str, selected: object, by_id: dict[int, pd.Series]
) -> tuple[FormRound, dict[str, Any]]:
    """The round of a form that creates (NEW) or edits a record, and what it shows: nothing for a
    new record, else the record as the form showed it first (its saves name this state)."""
    if selected == NEW:
        return FormRound(f"{name}_new"), {}
    form = FormRound(f"{name}_{selected}")
    return form, shown(form, by_id[selected].to_dict())  # type: ignore[index]


def _saved_as(selected: object) -> str:
    return "angelegt" if selected == NEW else "gespeichert"


def _date_or_none(value: object) -> date | None:
    return None if missing(value) else value  # type: ignore[return-value]


def _text_or_empty(value: object) -> str:
    return "" if missing(value) else str(value)


def _phase_form(user: UserInfo, phases: pd.DataFrame) -> None:
    by_id = {int(row["id"]): row for _, row in phases.iterrows()}
    choose_again("phase_selected")
    selected = st.selectbox(
        "Phase bearbeiten",
        [NEW, *by_id],
        format_func=lambda v: "Neue Phase anlegen" if v == NEW else by_id[v]["name"],
        key="phase_selected",
    )
    form, current = _record_form("phase", selected, by_id)
    with st.form(form.form):
        left, right = st.columns([3, 1])
        values: dict[str, Any] = {
            "name": left.text_input(
                "Name der Phase", current.get("name", ""), max_chars=100, key=form.key("name")
            ),
            "position": right.number_input(
                "Reihenfolge",
                0,
                1000,
                value=int(current.get("position", len(phases) + 1)),
                key=form.key("pos"),
            ),
        }
        columns = st.columns(4)
        for column, (field, title) in zip(
            columns,
            [
                ("planned_start", "Geplanter Beginn"),
                ("planned_end", "Geplantes Ende"),
                ("actual_start", "Tatsächlicher Beginn"),
                ("actual_end", "Tatsächliches Ende"),
            ],
            strict=True,
        ):
            values[field] = column.date_input(
                title, value=_date_or_none(current.get(field)), format="DD.MM.YYYY", key=form.key(field)
            )
        statuses = list(PHASE_STATUSES)
        values["status"] = st.selectbox(
            "Status",
            statuses,
            index=statuses.index(current.get("status", PhaseStatus.PLANNED.value)),
            format_func=PHASE_STATUSES.get,
            key=form.key("status"),
        )
        values["status_note"] = st.text_area(
            "Anmerkung (Pflicht bei „verzögert“ und „blockiert“, z. B. „kein Budget in diesem Jahr“)",
            _text_or_empty(current.get("status_note")),
            max_chars=500,
            key=form.key("note"),
        )
        submitted = st.form_submit_button("Phase speichern")
    if submitted:
        name = escaped(values["name"].strip())
        if selected == NEW:
            run_command(
                PHASE_AREA,
                programme.add_phase,
                success=f"Die Phase „{name}“ wurde angelegt.",
                reset=[form],
                values=values,
                actor=user.username,
            )
        else:
            run_command(
                PHASE_AREA,
                programme.update_phase,
                success=f"Die Phase „{name}“ wurde gespeichert.",
                reset=[form],
                keep={"phase_selected": selected},
                phase_id=selected,
                expected_version=int(current["version"]),
                values=values,
                actor=user.username,
            )
    feedback.show(PHASE_AREA)


def _milestones(user: UserInfo, phase_names: dict[int, str]) -> None:
    milestones = cache.query(programme.milestones)
    st.subheader("Meilensteine")
    dates = _german_dates(milestones, ["due_on", "done_on"])
    show_table(
        pd.DataFrame(
            {
                "Phase": milestones["phase"],
                "Meilenstein": milestones["title"],
                "Fällig am": dates["due_on"],
                "Erreicht am": dates["done_on"],
                "Stand": [
                    "erreicht" if pd.notna(done) else ("überfällig" if due < clock.today() else "offen")
                    for due, done in zip(milestones["due_on"], milestones["done_on"], strict=True)
                ],
            }
        ),
        name="Meilensteine",
        key="milestones_table",
    )
    by_id = {int(row["id"]): row for _, row in milestones.iterrows()}
    choose_again("milestone_selected")
    selected = st.selectbox(
        "Meilenstein bearbeiten",
        [NEW, *by_id],
        format_func=lambda v: (
            "Neuen Meilenstein anlegen" if v == NEW else f"{by_id[v]['phase']}: {by_id[v]['title']}"
        ),
        key="milestone_selected",
    )
    form, current = _record_form("milestone", selected, by_id)
    with st.form(form.form):
        values = {
            "phase_id": _phase_choice(phase_names, current.get("phase_id"), form.key("phase")),
            "title": st.text_input(
                "Meilenstein", current.get("title", ""), max_chars=200, key=form.key("title")
            ),
        }
        left, right = st.columns(2)
        values["due_on"] = left.date_input(
            "Fällig am", value=_date_or_none(current.get("due_on")), format="DD.MM.YYYY", key=form.key("due")
        )
        values["done_on"] = right.date_input(
            "Erreicht am (leer: offen)",
            value=_date_or_none(current.get("done_on")),
            format="DD.MM.YYYY",
            key=form.key("done"),
        )
        delete = selected != NEW and st.checkbox("Diesen Meilenstein löschen", key=form.key("delete"))
        submitted = st.form_submit_button("Meilenstein speichern")
    if submitted:
        _save_or_delete(
            user,
            area=MILESTONE_AREA,
            form=form,
            selected=selected,
            seen=current,
            values=values if not delete else None,
            id_field="milestone_id",
            save=programme.save_milestone,
            remove=programme.delete_milestone,
            saved=f"Der Meilenstein „{escaped(values['title'].strip())}“ wurde {_saved_as(selected)}.",
            deleted="Der Meilenstein wurde gelöscht.",
            selection="milestone_selected",
        )
    feedback.show(MILESTONE_AREA)


def _save_or_delete(
    user: UserInfo,
    *,
    area: str,
    form: FormRound,
    selected: object,
    seen: dict[str, Any],
    values: dict[str, Any] | None,
    id_field: str,
    save: Callable[..., Any],
    remove: Callable[..., Any],
    saved: str,
    deleted: str,
    selection: str,
) -> None:
    """Save a programme record from its form, or delete it (values None), naming what the form showed.

    After a deletion the choice goes back to "new", since the record is gone."""
    common: dict[str, Any] = {"reset": [form], "actor": user.username}
    if values is None:
        run_command(
            area, remove, success=deleted, forget=[selection], **{id_field: selected}, seen=seen, **common
        )
    elif selected == NEW:
        run_command(area, save, success=saved, **{id_field: None}, values=values, **common)
    else:
        run_command(
            area,
            save,
            success=saved,
            keep={selection: selected},
            **{id_field: selected},
            values=values,
            seen=seen,
            **common,
        )


def _phase_choice(phase_names: dict[int, str], current: object, key: str) -> int | None:
    options = list(phase_names)
    index = options.index(int(current)) if not missing(current) and int(current) in options else 0  # type: ignore[call-overload]
    return st.selectbox(
        "Phase", options, index=index if options else None, format_func=phase_names.get, key=key
    )


def _gates(user: UserInfo, phase_names: dict[int, str]) -> None:
    gates = cache.query(programme.gate_decisions)
    st.subheader("Beschlüsse (Gremien)")
    show_table(
        pd.DataFrame(
            {
                "Phase": gates["phase"],
                "Gremium": gates["body"],
                "Datum": _german_dates(gates, ["decided_on"])["decided_on"],
                "Vorlage-Nr.": gates["paper_no"].fillna("–"),
                "Inhalt": gates["summary"].fillna("–"),
            }
        ),
        name="Beschlüsse",
        key="gates_table",
    )
    by_id = {int(row["id"]): row for _, row in gates.iterrows()}
    choose_again("gate_selected")
    selected = st.selectbox(
        "Beschluss bearbeiten",
        [NEW, *by_id],
        format_func=lambda v: (
            "Neuen Beschluss erfassen"
            if v == NEW
            else f"{by_id[v]['body']}, {fmt_date(by_id[v]['decided_on'])}"
        ),
        key="gate_selected",
    )
    form, current = _record_form("gate", selected, by_id)
    with st.form(form.form):
        values = {"phase_id": _phase_choice(phase_names, current.get("phase_id"), form.key("phase"))}
        left, middle, right = st.columns(3)
        values["body"] = left.text_input(
            "Gremium", current.get("body", ""), max_chars=200, key=form.key("body")
        )
        values["decided_on"] = middle.date_input(
            "Datum des Beschlusses",
            value=_date_or_none(current.get("decided_on")),
            format="DD.MM.YYYY",
            key=form.key("date"),
        )
        values["paper_no"] = right.text_input(
            "Vorlage-Nr.", _text_or_empty(current.get("paper_no")), max_chars=50, key=form.key("paper")
        )
        values["summary"] = st.text_area(
            "Inhalt des Beschlusses",
            _text_or_empty(current.get("summary")),
            max_chars=1000,
            key=form.key("summary"),
        )
        delete = selected != NEW and st.checkbox("Diesen Beschluss löschen", key=form.key("delete"))
        submitted = st.form_submit_button("Beschluss speichern")
    if submitted:
        _save_or_delete(
            user,
            area=GATE_AREA,
            form=form,
            selected=selected,
            seen=current,
            values=values if not delete else None,
            id_field="gate_id",
            save=programme.save_gate_decision,
            remove=programme.delete_gate_decision,
            saved=f"Der Beschluss wurde {_saved_as(selected)}.",
            deleted="Der Beschluss wurde gelöscht.",
            selection="gate_selected",
        )
    feedback.show(GATE_AREA)


def _modules(user: UserInfo) -> None:
    modules = cache.query(programme.training_modules)
    st.subheader("Qualifizierungsmodule")
    show_table(
        pd.DataFrame(
            {
                "Modul": modules["name"],
                "Art": modules["kind"].map(MODULE_KINDS),
                "Dauer (Tage)": modules["duration_days"].map(lambda v: fmt_number(v, 1)),
                "Angemeldet": modules["enrolled"],
                "Abgeschlossen": modules["completed"],
                "Angeboten": modules["active"].map(yes_no),
            }
        ),
        name="Qualifizierungsmodule",
        key="modules_table",
    )
    by_id = {int(row["id"]): row for _, row in modules.iterrows()}
    choose_again("module_selected")
    selected = st.selectbox(
        "Modul bearbeiten",
        [NEW, *by_id],
        format_func=lambda v: "Neues Modul anlegen" if v == NEW else by_id[v]["name"],
        key="module_selected",
    )
    form, current = _record_form("module", selected, by_id)
    with st.form(form.form):
        kinds = list(MODULE_KINDS)
        left, middle, right = st.columns([3, 2, 1])
        values = {
            "name": left.text_input(
                "Name des Moduls", current.get("name", ""), max_chars=200, key=form.key("name")
            ),
            "kind": middle.selectbox(
                "Art",
                kinds,
                index=kinds.index(current.get("kind", ModuleKind.ADVANCED.value)),
                format_func=MODULE_KINDS.get,
                key=form.key("kind"),
            ),
            "duration_days": right.text_input(
                "Dauer (Tage)",
                amount_text(current.get("duration_days", 1.0)),
                max_chars=6,
                key=form.key("days"),
            ),
            "position": st.number_input(
                "Reihenfolge",
                0,
                1000,
                value=int(current.get("position", len(modules) + 1)),
                key=form.key("pos"),
            ),
            "active": st.checkbox(
                "Wird angeboten", value=bool(current.get("active", True)), key=form.key("active")
            ),
        }
        submitted = st.form_submit_button("Modul speichern")
    if submitted:
        arguments: dict[str, Any] = (
            {"module_id": None}
            if selected == NEW
            else {"module_id": selected, "seen": current, "keep": {"module_selected": selected}}
        )
        run_command(
            MODULE_AREA,
            programme.save_training_module,
            success=f"Das Modul „{escaped(values['name'].strip())}“ wurde {_saved_as(selected)}.",
            reset=[form],
            values=values,
            actor=user.username,
            **arguments,
        )
    feedback.show(MODULE_AREA)


# ------------------------------------------------------------------ Maßnahmen

MEASURES_TAB = "measures"
EDITOR_ROUND = "measures_editor_round"


def _measure_column_config(options: dict[str, list[str]]) -> dict[str, Any]:
    header = admin_measures.COLUMNS
    cc = st.column_config
    config: dict[str, Any] = {
        "title": cc.TextColumn(header["title"], max_chars=200, required=True, width="large"),
        "category": cc.SelectboxColumn(
            header["category"], options=list(CATEGORY_LABELS), format_func=CATEGORY_LABELS.get, required=True
        ),
        "status": cc.SelectboxColumn(
            header["status"], options=list(MEASURE_STATUSES), format_func=MEASURE_STATUSES.get, required=True
        ),
        "rag": cc.SelectboxColumn(header["rag"], options=list(RAGS), format_func=RAGS.get, required=True),
        "start_quarter": cc.TextColumn(header["start_quarter"], max_chars=7, help="z. B. 2026-Q3"),
        "end_quarter": cc.TextColumn(header["end_quarter"], max_chars=7, help="z. B. 2027-Q2"),
        "cost_operating": cc.NumberColumn(header["cost_operating"], min_value=0, format="euro"),
        "cost_capital": cc.NumberColumn(header["cost_capital"], min_value=0, format="euro"),
        "person_days": cc.NumberColumn(header["person_days"], min_value=0, format="localized"),
        "ozg_id": cc.TextColumn(header["ozg_id"], max_chars=20),
        "maturity_target": cc.NumberColumn(header["maturity_target"], min_value=0, max_value=4, step=1),
        "maturity_actual": cc.NumberColumn(header["maturity_actual"], min_value=0, max_value=4, step=1),
        "efa": cc.CheckboxColumn(header["efa"]),
        "funding": cc.SelectboxColumn(header["funding"], options=options["funding"]),
        "decision_ref": cc.TextColumn(header["decision_ref"], max_chars=50),
    }
    if len(options["units"]) <= 2_000:
        config["unit_code"] = cc.SelectboxColumn(header["unit_code"], options=options["units"])
    else:
        config["unit_code"] = cc.TextColumn(header["unit_code"], max_chars=30, help="Kürzel der Einheit")
    for name in admin_measures.SCORE_FIELDS:
        config[name] = cc.NumberColumn(header[name], min_value=1, max_value=5, step=1, required=True)
    return config


def render_measures(user: UserInfo) -> None:
    scope = scope_filter()
    st.subheader("Maßnahmen gemeinsam bearbeiten")
    left, right = st.columns(2)
    status = left.selectbox(
        "Status",
        [None, *MEASURE_STATUSES],
        format_func=lambda v: "Alle" if v is None else MEASURE_STATUSES[v],
        key="measures_status",
    )
    category = right.selectbox(
        "Kategorie",
        [None, *CATEGORY_LABELS],
        format_func=lambda v: "Alle" if v is None else CATEGORY_LABELS[v],
        key="measures_category",
    )
    filters = {"root_id": scope.root_id, "status": status, "category": category}
    round_number = st.session_state.setdefault(EDITOR_ROUND, 0)
    editor_key = f"measures_editor_{round_number}_{scope.root_id}_{status}_{category}"
    frame = pinned(editor_key, lambda: cache.query(admin_measures.measures_for_editing, **filters))
    total = cache.query(admin_measures.measure_count, **filters)
    st.caption(
        f"Auswahl: {escaped(scope.label)} · {fmt_number(len(frame))} von {fmt_number(total)} Maßnahmen"
        + (" – bitte die Auswahl eingrenzen, um die übrigen zu sehen." if total > len(frame) else ".")
        + " Gespeichert wird alles oder nichts: Ist eine Zeile ungültig oder inzwischen von jemand anderem "
        "geändert, wird keine Zeile gespeichert und jedes Problem mit Zeile und Spalte genannt."
    )
    st.data_editor(
        frame,
        key=editor_key,
        hide_index=True,
        num_rows="fixed",
        column_order=list(admin_measures.COLUMNS),
        column_config=_measure_column_config(cache.query(admin_measures.editor_options)),
        width="stretch",
        alt="Tabelle der Maßnahmen zum Bearbeiten",
    )
    edits = _row_edits(frame, st.session_state.get(editor_key, {}))
    save, discard = st.columns(2)
    if save.button(f"Änderungen speichern ({len(edits)} Zeilen)", key="measures_save", disabled=not edits):
        st.session_state[EDITOR_ROUND] = round_number + 1  # a fresh editor after a successful save
        run_command(
            MEASURES_TAB,
            admin_measures.bulk_update_measures,
            success=f"{len(edits)} Maßnahme(n) gespeichert.",
            edits=edits,
            actor=user.username,
        )
        st.session_state[EDITOR_ROUND] = round_number  # refused: keep the user's edits
    if discard.button("Verwerfen und neu laden", key="measures_discard"):
        reload_editor(EDITOR_ROUND)
    feedback.show(MEASURES_TAB)
    _ideas(user)


def _row_edits(frame: pd.DataFrame, state: dict[str, Any]) -> list[RowEdit]:
    """The editor's changed cells per row, with the id and version the row was loaded with."""
    edits = []
    for position, changes in (state.get("edited_rows") or {}).items():
        row = frame.iloc[int(position)]
        edits.append(RowEdit(int(row["id"]), int(row["version"]), dict(changes)))
    return edits


IDEAS_AREA = "ideas"
ACCEPT_AS_IDEA, ACCEPT_AS_PLANNED, DECLINE = "accept_idea", "accept_planned", "decline"
IDEA_DECISIONS = {
    ACCEPT_AS_IDEA: "In die Roadmap aufnehmen (Status „Idee“, noch zu bewerten)",
    ACCEPT_AS_PLANNED: "In die Roadmap aufnehmen (Status „geplant“)",
    DECLINE: "Nicht aufnehmen",
}


def _ideas(user: UserInfo) -> None:
    """Ideas of Lotsen waiting for a decision: only here and to their author are they visible."""
    st.subheader("Ideen der Lotsinnen und Lotsen")
    feedback.show(IDEAS_AREA)
    count = cache.query(ideas.open_idea_count, viewer=user)
    waiting = cache.query(ideas.open_ideas, viewer=user)
    if waiting.empty:
        st.info("Keine Idee wartet auf eine Entscheidung.")
        return
    st.caption(
        f"{fmt_number(count)} Idee(n) warten auf eine Entscheidung, die älteste zuerst. Bis dahin sehen sie "
        "nur das CDO-Büro und wer sie eingereicht hat – nicht die Verwaltungsleitung und nicht die anderen "
        "Lotsen. Die Entscheidung und ihre Begründung sieht die Lotsin / der Lotse auf „Mein Status“."
    )
    show_table(
        pd.DataFrame(
            {
                "Titel": waiting["title"],
                "Kategorie": waiting["category"].map(CATEGORY_LABELS),
                "Organisationseinheit": waiting["unit_code"].fillna("–"),
                "Eingereicht von": waiting["submitted_by"].fillna("–"),
                "Eingereicht am": waiting["submitted_on"].map(fmt_date),
                "Beschreibung": waiting["description"].fillna("–"),
            }
        ),
        name="Offene Ideen",
        key="ideas_table",
    )
    by_id = {int(row["id"]): row for _, row in waiting.iterrows()}
    chosen = st.selectbox("Idee", list(by_id), format_func=lambda v: by_id[v]["title"], key="idea_selected")
    idea = by_id[chosen]
    form = FormRound(f"idea_{chosen}_{int(idea['version'])}")
    with st.form(form.form):
        decision = st.radio(
            "Entscheidung", list(IDEA_DECISIONS), format_func=IDEA_DECISIONS.get, key=form.key("decision")
        )
        left, right = st.columns([3, 2])
        title = left.text_input(
            "Titel der Maßnahme (beim Aufnehmen)",
            idea["title"],
            max_chars=ideas.TITLE_MAX,
            key=form.key("title"),
        )
        categories = list(CATEGORY_LABELS)
        category = right.selectbox(
            "Kategorie",
            categories,
            index=categories.index(idea["category"]) if idea["category"] in categories else 0,
            format_func=CATEGORY_LABELS.get,
            key=form.key("category"),
        )
        note = st.text_area(
            "Antwort an die Lotsin / den Lotsen (Pflicht bei „Nicht aufnehmen“)",
            max_chars=ideas.NOTE_MAX,
            key=form.key("note"),
        )
        if not st.form_submit_button("Entscheidung speichern"):
            return
    try:
        with write_session() as session:
            if decision == DECLINE:
                ideas.decline_idea(
                    session=session,
                    actor=user,
                    idea_id=chosen,
                    expected_version=int(idea["version"]),
                    reason=note,
                )
                message = (
                    f"„{escaped(idea['title'])}“ wird nicht aufgenommen; "
                    "die Begründung sieht die Lotsin / der Lotse."
                )
            else:
                measure = ideas.accept_idea(
                    session=session,
                    actor=user,
                    idea_id=chosen,
                    expected_version=int(idea["version"]),
                    title=title,
                    category=category,
                    status=MeasureStatus.IDEA.value
                    if decision == ACCEPT_AS_IDEA
                    else MeasureStatus.PLANNED.value,
                    note=note,
                )
                message = (
                    f"„{escaped(measure.title)}“ steht jetzt auf der Roadmap "
                    f"(Status „{MEASURE_STATUSES[measure.status]}“)."
                )
    except ideas.StaleIdeaError as error:
        feedback.done(IDEAS_AREA, escaped(error), kind="error", forget=("idea_selected",))
    except (ideas.IdeaError, PermissionError) as error:
        st.error(f"Nicht gespeichert: {escaped(error)}")
        return
    feedback.done(IDEAS_AREA, message, forget=("idea_selected",))


# ------------------------------------------------------------------ Förderprogramme

FUNDING_TAB = "funding"


def render_funding(user: UserInfo) -> None:
    programmes = cache.query(funding.funding_programmes)
    st.subheader("Förderprogramme")
    show_table(
        pd.DataFrame(
            {
                "Name": programmes["name"],
                "Geber": programmes["donor"].map(DONORS),
                "Frist": programmes["deadline"].map(lambda v: fmt_date(v) if pd.notna(v) else "–"),
                "Beantragt": programmes["amount_applied"].map(fmt_euro),
                "Bewilligt": programmes["amount_granted"].map(fmt_euro),
                "Status": programmes["status"].map(FUNDING_STATUSES),
                "Verknüpfte Maßnahmen": programmes["measures"],
            }
        ),
        name="Förderprogramme",
        key="funding_table",
    )
    by_id = {int(row["id"]): row for _, row in programmes.iterrows()}
    choose_again("funding_selected")
    selected = st.selectbox(
        "Förderprogramm bearbeiten",
        [NEW, *by_id],
        format_func=lambda v: "Neues Förderprogramm anlegen" if v == NEW else by_id[v]["name"],
        key="funding_selected",
    )
    form, current = _record_form("funding", selected, by_id)
    with st.form(form.form):
        donors, statuses = list(DONORS), list(FUNDING_STATUSES)
        left, middle, right = st.columns([3, 1, 1])
        values = {
            "name": left.text_input("Name", current.get("name", ""), max_chars=200, key=form.key("name")),
            "donor": middle.selectbox(
                "Geber",
                donors,
                index=donors.index(current.get("donor", Donor.LAND.value)),
                format_func=DONORS.get,
                key=form.key("donor"),
            ),
            "deadline": right.date_input(
                "Frist",
                value=_date_or_none(current.get("deadline")),
                format="DD.MM.YYYY",
                key=form.key("deadline"),
            ),
        }
        left, middle, right = st.columns(3)
        values["status"] = left.selectbox(
            "Status",
            statuses,
            index=statuses.index(current.get("status", FundingStatus.IDENTIFIED.value)),
            format_func=FUNDING_STATUSES.get,
            key=form.key("status"),
        )
        values["amount_applied"] = middle.text_input(
            "Beantragt (€)",
            amount_text(current.get("amount_applied", 0.0)),
            max_chars=20,
            key=form.key("applied"),
        )
        values["amount_granted"] = right.text_input(
            "Bewilligt (€)",
            amount_text(current.get("amount_granted", 0.0)),
            max_chars=20,
            key=form.key("granted"),
        )
        delete = selected != NEW and st.checkbox("Dieses Förderprogramm löschen", key=form.key("delete"))
        submitted = st.form_submit_button("Förderprogramm speichern")
    if submitted:
        _save_funding(user, form, selected, current, values, delete=delete)
    feedback.show(FUNDING_TAB)


def _save_funding(
    user: UserInfo,
    form: FormRound,
    selected: object,
    shown_programme: dict[str, Any],
    values: dict[str, Any],
    *,
    delete: bool,
) -> None:
    name = escaped(values["name"].strip())
    common: dict[str, Any] = {"reset": [form], "actor": user.username}
    if selected == NEW:
        run_command(
            FUNDING_TAB,
            funding.create_programme,
            success=f"„{name}“ wurde angelegt.",
            values=values,
            **common,
        )
        return
    common |= {"programme_id": selected, "expected_version": int(shown_programme["version"])}
    if delete:
        run_command(
            FUNDING_TAB,
            funding.delete_programme,
            success=f"„{escaped(shown_programme['name'])}“ wurde gelöscht.",
            forget=["funding_selected"],
            **common,
        )
    else:
        run_command(
            FUNDING_TAB,
            funding.update_programme,
            success=f"„{name}“ wurde gespeichert.",
            keep={"funding_selected": selected},
            values=values,
            **common,
        )


# ------------------------------------------------------------------ IT-Personal

IT_TAB = "it_staff"
CENTRAL_IT_AREA = "central_it"
IT_ROUND = "it_editor_round"
AUTOMATIC = "auto"


def render_it_staff(user: UserInfo) -> None:
    scope = scope_filter()
    _central_unit_form(user)
    st.subheader("VZÄ je Organisationseinheit und IT-Aufgabenbereich")
    round_number = st.session_state.setdefault(IT_ROUND, 0)
    editor_key = f"it_editor_{round_number}_{scope.root_id}"
    frame = pinned(editor_key, lambda: cache.query(it_staff.it_staff_table, root_id=scope.root_id))
    st.caption(
        f"Auswahl: {escaped(scope.label)} · {fmt_number(len(frame))} aktive Einheiten. "
        "0 oder leer entfernt den Eintrag. Gespeichert wird alles oder nichts."
    )
    config: dict[str, Any] = {
        "code": st.column_config.TextColumn("Kürzel", disabled=True),
        "name": st.column_config.TextColumn("Organisationseinheit", disabled=True, width="large"),
    }
    for task, title in TASK_LABELS.items():
        config[task] = st.column_config.NumberColumn(
            title, min_value=0, max_value=it_staff.MAX_FTE, step=0.05, format="localized"
        )
    st.data_editor(
        frame,
        key=editor_key,
        hide_index=True,
        num_rows="fixed",
        column_order=["code", "name", *TASK_LABELS],
        column_config=config,
        disabled=["code", "name"],
        width="stretch",
        alt="Tabelle der IT-VZÄ je Organisationseinheit zum Bearbeiten",
    )
    cells = _staff_cells(frame, st.session_state.get(editor_key, {}))
    if st.button(f"VZÄ speichern ({len(cells)} Zellen)", key="it_save", disabled=not cells):
        st.session_state[IT_ROUND] = round_number + 1
        run_command(
            IT_TAB,
            it_staff.save_it_staff,
            success=f"{len(cells)} Wert(e) gespeichert.",
            cells=cells,
            actor=user.username,
        )
        st.session_state[IT_ROUND] = round_number
    if st.button("Verwerfen und neu laden", key="it_discard"):
        reload_editor(IT_ROUND)
    feedback.show(IT_TAB)


def _staff_cells(frame: pd.DataFrame, state: dict[str, Any]) -> list[StaffCell]:
    cells = []
    for position, changes in (state.get("edited_rows") or {}).items():
        row = frame.iloc[int(position)]
        for task, value in changes.items():
            if task in TASK_LABELS:
                cells.append(StaffCell(int(row["id"]), task, float(row[task]), value))
    return cells


def _central_unit_form(user: UserInfo) -> None:
    central = cache.query(it_staff.central_it_unit)
    st.subheader("Zentrale IT-Einheit")
    choices = unit_options(
        key="central_it_unit",
        keep=central.id if central is not None and central.configured else None,
        active_only=True,
    )
    if central is None:
        st.caption("Noch kein IT-Personal erfasst.")
    else:
        how = "festgelegt" if central.configured else "automatisch: die Einheit mit den meisten IT-VZÄ"
        st.text(f"Zentrale IT: {central.code} – {central.name} ({how}). Ihre Untereinheiten zählen mit.")
    with st.form("central_it_form"):
        options = [AUTOMATIC, *choices]
        index = (
            options.index(central.id)
            if central is not None and central.configured and central.id in options
            else 0
        )
        chosen = st.selectbox(
            "Zentrale IT-Einheit festlegen",
            options,
            index=index,
            format_func=lambda v: "automatisch (meiste IT-VZÄ)" if v == AUTOMATIC else choices[v],
            key="central_it_unit",
        )
        if st.form_submit_button("Zentrale IT-Einheit speichern"):
            run_command(
                CENTRAL_IT_AREA,
                it_staff.set_central_it_unit,
                success="Die zentrale IT-Einheit wurde gespeichert.",
                unit_id=None if chosen == AUTOMATIC else chosen,
                actor=user.username,
            )
    feedback.show(CENTRAL_IT_AREA)


# ------------------------------------------------------------------ charts of IT-Strukturen and Fördermittel

HEATMAP_LIGHT, HEATMAP_DARK = "#EAF2FA", "#0B4F80"  # one hue; dark cells get white labels (contrast)


def fte_heatmap(frame: pd.DataFrame) -> alt.LayerChart:
    """Units × task areas; every cell carries its VZÄ as text, so colour is never the only cue.

    `frame`: long format with columns Einheit, Aufgabenbereich, VZÄ, VZÄ_text, order (row order).
    """
    top = float(frame["VZÄ"].max() or 1.0)
    base = alt.Chart().encode(  # the frame once, on the layer (see ui.charts.layered)
        y=alt.Y("Einheit:N", sort=alt.EncodingSortField("order", order="ascending"), title=None),
        x=alt.X(
            "Aufgabenbereich:N", sort=list(TASK_LABELS.values()), title=None, axis=alt.Axis(labelAngle=-30)
        ),
        tooltip=[
            alt.Tooltip("Einheit:N"),
            alt.Tooltip("Aufgabenbereich:N"),
            alt.Tooltip("VZÄ_text:N", title="VZÄ"),
        ],
    )
    cells = base.mark_rect(stroke="#FFFFFF").encode(
        color=alt.Color(
            "VZÄ:Q",
            scale=alt.Scale(range=[HEATMAP_LIGHT, HEATMAP_DARK], domain=[0, top]),
            legend=alt.Legend(title="VZÄ", labelExpr=vega_number(1)),
        )
    )
    labels = base.mark_text(fontSize=FONT_SIZE).encode(
        text=alt.Text("VZÄ_text:N"),
        color=alt.ColorValue(
            **alt.condition(alt.datum["VZÄ"] > top * 0.45, alt.value("#FFFFFF"), alt.value("#1A1A1A"))
        ),
    )
    # Channel classes and settings in the constructor: see ui.charts.layered.
    return alt.layer(
        cells,
        labels,
        data=frame,
        height=max(120, 28 * frame["Einheit"].nunique()),
        config=alt.Config(
            axis=alt.AxisConfig(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE, labelLimit=320),
            legend=alt.LegendConfig(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE),
        ),
    )


DEADLINE_SHAPES = {
    funding.DeadlineState.OVERDUE: "triangle-up",
    funding.DeadlineState.DUE_SOON: "diamond",
    funding.DeadlineState.OPEN: "circle",
    funding.DeadlineState.SUBMITTED: "square",
}
DEADLINE_LABELS = {
    funding.DeadlineState.OVERDUE: "überfällig (kein Antrag)",
    funding.DeadlineState.DUE_SOON: "Frist in höchstens 30 Tagen",
    funding.DeadlineState.OPEN: "Frist offen",
    funding.DeadlineState.SUBMITTED: "Antrag gestellt",
}


def deadline_timeline(frame: pd.DataFrame, *, today: date) -> alt.LayerChart:
    """Programmes on a date axis by deadline; shape and a text label say the state (not colour alone).

    `frame`: columns Programm, Frist (date), Lage (German state), Hinweis (label text), order.
    """
    data = frame.assign(Frist=pd.to_datetime(frame["Frist"]))
    states = [DEADLINE_LABELS[state] for state in DEADLINE_SHAPES]
    base = alt.Chart(data).encode(
        y=alt.Y("Programm:N", sort=alt.EncodingSortField("order", order="ascending"), title=None),
        x=alt.X("Frist:T", title="Frist", axis=alt.Axis(labelExpr=VEGA_DATE, labelAngle=0)),
        tooltip=[
            alt.Tooltip("Programm:N"),
            alt.Tooltip("Frist_text:N", title="Frist"),
            alt.Tooltip("Hinweis:N"),
        ],
    )
    points = base.mark_point(size=140, filled=True).encode(
        shape=alt.Shape(
            "Lage:N", scale=alt.Scale(domain=states, range=list(DEADLINE_SHAPES.values())), title="Lage"
        ),
        color=alt.Color(
            "Lage:N", scale=alt.Scale(domain=states, range=[PALETTE[5], PALETTE[1], PALETTE[0], PALETTE[2]])
        ),
    )
    labels = base.mark_text(align="left", dx=10, fontSize=FONT_SIZE, color="#1A1A1A").encode(
        text=alt.Text("Hinweis:N")
    )
    rule = (
        alt.Chart(pd.DataFrame({"heute": [pd.Timestamp(today)], "text": [f"heute, {fmt_date(today)}"]}))
        .mark_rule(strokeDash=[4, 4], color="#1A1A1A")
        .encode(x=alt.X("heute:T"), tooltip=[alt.Tooltip("text:N", title="Datum")])
    )
    return alt.layer(
        rule,
        points,
        labels,
        height=max(120, 30 * len(frame)),
        config=alt.Config(
            axis=alt.AxisConfig(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE, labelLimit=360),
            legend=alt.LegendConfig(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE, orient="bottom"),
        ),
    )


def labelled_bars(frame: pd.DataFrame, *, category: str, value: str, text: str, title: str) -> alt.LayerChart:
    """Bars in the given order with a precomputed German label beside each bar."""
    base = alt.Chart().encode(  # the frame once, on the layer (see ui.charts.layered)
        y=alt.Y(f"{category}:N", sort=None, title=None),
        x=alt.X(f"{value}:Q", title=title, axis=alt.Axis(labelExpr=vega_number(), tickMinStep=1)),
        tooltip=[alt.Tooltip(f"{category}:N"), alt.Tooltip(f"{text}:N", title=title)],
    )
    bars = base.mark_bar(color=PALETTE[0])
    labels = base.mark_text(align="left", dx=4, fontSize=FONT_SIZE, color="#1A1A1A").encode(
        text=alt.Text(f"{text}:N")
    )
    return alt.layer(
        bars,
        labels,
        data=frame,
        config=alt.Config(
            axis=alt.AxisConfig(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE, labelLimit=320),
            view=alt.ViewConfig(stroke=None),
        ),
    )
