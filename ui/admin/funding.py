"""Verwaltung, tab Förderprogramme: funding programmes and their applications."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from model.accounts.auth import UserInfo
from model.core.enums import (
    Donor,
    FundingStatus,
)
from model.core.german import amount_text, fmt_date, fmt_euro
from model.funding import programmes as funding
from ui import cache, feedback
from ui.admin.common import (
    DONORS,
    FUNDING_STATUSES,
    NEW,
    date_or_none,
    record_form,
)
from ui.commands import choose_again
from ui.commands import run as run_command
from ui.feedback import FormRound
from ui.plain import escaped
from ui.tables import show_table

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
    form, current = record_form("funding", selected, by_id)
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
                value=date_or_none(current.get("deadline")),
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
    common: dict[str, Any] = {"reset": [form], "actor": user}
    if selected == NEW:
        run_command(
            FUNDING_TAB,
            funding.create_programme,
            success=f"„{name}“ wurde angelegt.",
            data=funding.ProgrammeInput(**values),
            **common,
        )
        return
    edit = {"programme_id": selected, "expected_version": int(shown_programme["version"])}
    if delete:
        run_command(
            FUNDING_TAB,
            funding.delete_programme,
            success=f"„{escaped(shown_programme['name'])}“ wurde gelöscht.",
            forget=["funding_selected"],
            data=funding.ProgrammeDeletion(**edit),
            **common,
        )
    else:
        run_command(
            FUNDING_TAB,
            funding.update_programme,
            success=f"„{name}“ wurde gespeichert.",
            keep={"funding_selected": selected},
            data=funding.ProgrammeEdit(**values, **edit),
            **common,
        )
