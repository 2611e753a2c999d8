"""Lotsen & Qualifizierung (CDO-Büro): who needs help, the roster, one person's detail, training."""

import pandas as pd
import streamlit as st

from model.core import clock
from model.core.db import write_session
from model.core.enums import PilotStage
from model.core.german import fmt_date, fmt_number, fmt_percent
from model.core.tabular import csv_bytes
from model.pilots import reads as pilots
from model.pilots.checks import PilotInputError, StaleEditError
from model.pilots.commands import StageChange, SupportResolution, change_stage, resolve_support_request
from model.pilots.privacy import PersonRequest, anonymise_person, export_file_name, export_person
from model.training import reads as training
from ui import cache, feedback, filters, pilot_views, tables
from ui.charts.bars import horizontal_bars
from ui.charts.show import show_chart
from ui.feedback import FormRound
from ui.navigation import current_user
from ui.plain import escaped, plain

user = current_user("lotsen")

AREA = "lotsen"
STAGE = FormRound("stage")
SEEN_KEY = "lotsen_seen"
EXPORT_KEY = "lotsen_export"
DETAIL_KEY = "lotsen_detail"
FEED_ROWS = 30
# Roster filter "Stufe": everyone still in the programme, one stage, or everyone.
STAGE_FILTERS: dict[str, tuple[str, ...]] = {
    "current": pilots.CURRENT_STAGE_CODES,
    **{stage.value: (stage.value,) for stage in PilotStage},
    "all": pilots.ALL_STAGE_CODES,
}
STAGE_FILTER_LABELS = {
    "current": "alle im Programm (ohne ausgeschiedene)",
    **{stage.value: pilot_views.stage_label(stage) for stage in PilotStage},
    "all": "alle, auch ausgeschiedene",
}
DATE_COLUMN = st.column_config.DateColumn(format="DD.MM.YYYY")


def after_write(kind: feedback.Kind, message: str, *, reset: tuple[FormRound, ...] = ()) -> None:
    """Fresh figures everywhere, the message on the next run (forms in `reset` start empty)."""
    feedback.done(AREA, message, kind=kind, reset=reset, forget=(SEEN_KEY,))


def support_requests(root_id: int | None) -> None:
    requests = cache.query(pilots.open_support_requests, viewer=user, root_id=root_id)
    st.subheader(f"Offene Unterstützungswünsche: {fmt_number(len(requests))}")
    if requests.empty:
        st.caption("Zurzeit wünscht niemand in dieser Auswahl Unterstützung.")
        return
    pilot_views.static_table(
        requests[["Gemeldet am", "Lotsin/Lotse", "Organisationseinheit", "Hindernis", "Meldung"]],
        empty="",
        name="Unterstützungswünsche",
        date_columns=["Gemeldet am"],
    )
    choices = {
        int(request_id): f"{fmt_date(reported)} – {name} ({unit}): {str(blocker)[:60]}"
        for request_id, reported, name, unit, blocker in zip(
            requests["id"],
            requests["Gemeldet am"],
            requests["Lotsin/Lotse"],
            requests["Organisationseinheit"],
            requests["Hindernis"],
            strict=True,
        )
    }
    with st.form("resolve"):
        chosen = st.selectbox("Unterstützungswunsch", list(choices), format_func=choices.__getitem__)
        if st.form_submit_button("Als erledigt markieren"):
            try:
                with write_session() as session:
                    resolve_support_request(
                        session=session, actor=user, data=SupportResolution(status_update_id=int(chosen))
                    )
            except PilotInputError as error:
                st.error(f"Nicht gespeichert: {escaped(error)}")
            else:
                after_write("success", f"Erledigt: {escaped(choices[chosen])}")


def feed(root_id: int | None) -> None:
    st.subheader("Neueste Meldungen")
    st.caption(f"Die {FEED_ROWS} neuesten Einträge aller Lotsinnen und Lotsen in dieser Auswahl.")
    latest = cache.query(pilots.latest_updates, viewer=user, root_id=root_id, limit=FEED_ROWS)
    pilot_views.static_table(
        latest, empty="Noch keine Meldungen.", name="Neueste Meldungen", date_columns=["Datum"]
    )


def roster_filters() -> dict[str, object]:
    stage_column, stale_column, support_column = st.columns(3)
    stage_filter = stage_column.selectbox(
        "Stufe", list(STAGE_FILTERS), format_func=STAGE_FILTER_LABELS.__getitem__, key="roster_stage"
    )
    stale_days = stale_column.number_input(
        "Ohne Meldung seit mehr als … Tagen (0 = alle)",
        min_value=0,
        max_value=3650,
        value=0,
        step=7,
        key="roster_stale",
    )
    support_only = support_column.checkbox("Nur mit offenem Unterstützungswunsch", key="roster_support")
    return {
        "root_id": scope.root_id,
        "stages": STAGE_FILTERS[stage_filter],
        "stale_days": int(stale_days) or None,
        "support_only": bool(support_only),
    }


def roster_section() -> None:
    chosen_filters = roster_filters()
    size = cache.query(pilots.roster_size, viewer=user, **chosen_filters)
    # Only the rows on screen are read; the downloads read the whole roster when clicked.
    frame = cache.query(pilots.roster, viewer=user, limit=tables.MAX_SHOWN_ROWS, **chosen_filters)
    st.caption(f"{fmt_number(size.people)} Lotsinnen und Lotsen in dieser Auswahl.")

    def whole_roster() -> pd.DataFrame:
        return cache.query(pilots.roster, viewer=user, **chosen_filters)

    tables.show_table(
        frame.drop(columns=["id", "stage", "anonymised"]),
        name="Lotsen",
        key="roster_table",
        total=size.people,
        whole=lambda: whole_roster().drop(columns=["id", "stage", "anonymised"]),
        column_config={"Stufe seit": DATE_COLUMN, "Letzte Meldung": DATE_COLUMN},
    )
    st.download_button(
        f"E-Mail-Verteiler als CSV ({fmt_number(size.addresses)} Adressen)",
        data=lambda: csv_bytes(pilots.mailing_list(whole_roster(), exported_by=user.username)),
        file_name=f"E-Mail-Verteiler_Lotsen_{clock.today().isoformat()}.csv",
        mime="text/csv",
        key="mailing_csv",
        on_click="ignore",
        disabled=size.addresses == 0,
    )

    def first_rows(search: str | None, limit: int) -> pd.DataFrame:
        if search is None and limit <= len(frame):
            return frame.head(limit)  # the same first rows, read above for the table
        return cache.query(pilots.roster, viewer=user, search=search, limit=limit, **chosen_filters)

    names = pilot_views.detail_choices(
        size.people,
        first_rows,
        lambda search: cache.query(pilots.roster_size, viewer=user, search=search, **chosen_filters).people,
    )
    chosen = st.selectbox(
        "Lotsin oder Lotse für die Detailansicht",
        list(names),
        index=None,
        format_func=names.__getitem__,
        placeholder="Bitte auswählen",
        key=DETAIL_KEY,
    )
    if chosen is not None:
        detail(int(chosen))


def detail(pilot_id: int) -> None:
    record = cache.query(pilots.pilot_record, viewer=user, pilot_id=pilot_id)
    if record is None:
        st.warning("Diese Person gibt es nicht mehr.")
        return
    st.subheader(escaped(record.name))
    plain(record.email)
    pilot_views.record_header(record)
    stage_form(record)
    st.markdown("**Verlauf**")
    history = cache.query(pilots.pilot_history, viewer=user, pilot_id=pilot_id)
    tables.show_table(
        history, name=f"Verlauf Lotse {pilot_id}", key="detail_history", column_config={"Datum": DATE_COLUMN}
    )
    st.markdown("**Qualifizierung**")
    progress = cache.query(training.training_progress, viewer=user, pilot_id=pilot_id)
    share, summary = pilot_views.progress_text(progress)
    st.progress(share, text=summary)
    pilot_views.static_table(
        progress[["Modul", "Art", "Stand", "Eingeschrieben", "Abgeschlossen"]],
        empty="Es sind noch keine Module angelegt.",
        name="Module der Person",
        date_columns=["Eingeschrieben", "Abgeschlossen"],
    )
    privacy(record)


def stage_form(record: pilots.PilotRecord) -> None:
    if record.anonymised or not record.next_stages:
        return
    today = clock.today()
    with st.form(STAGE.form):
        st.markdown(f"**Stufe ändern** (aktuell: {pilot_views.stage_label(record.stage)})")
        to_stage = st.selectbox(
            "Neue Stufe",
            [stage.value for stage in record.next_stages],
            format_func=pilot_views.stage_label,
            key=STAGE.key("to"),
        )
        reason = st.text_input("Begründung", max_chars=500, key=STAGE.key("reason"))
        changed_on = st.date_input(
            "Wirksam am",
            value=today,
            min_value=record.stage_since,
            max_value=today,
            format="DD.MM.YYYY",
            key=STAGE.key("on"),
        )
        submitted = st.form_submit_button("Stufe ändern")
    if not submitted:
        pilot_views.remember(SEEN_KEY, record)
        return
    try:
        with write_session() as session:
            change_stage(
                session=session,
                actor=user,
                data=StageChange(
                    pilot_id=record.id,
                    expected_version=pilot_views.seen(SEEN_KEY, record).version,
                    to_stage=to_stage,
                    reason=reason,
                    changed_on=changed_on,
                ),
            )
    except StaleEditError as error:
        after_write("error", escaped(error))
    except PilotInputError as error:
        st.error(f"Nicht gespeichert: {escaped(error)}")
    else:
        after_write(
            "success",
            f"Die Stufe von {escaped(record.name)} ist jetzt „{pilot_views.stage_label(to_stage)}“.",
            reset=(STAGE,),
        )


def privacy(record: pilots.PilotRecord) -> None:
    with st.expander("Datenschutz: Auskunft und Anonymisierung (DSGVO)"):
        st.markdown("**Auskunft nach Art. 15 DSGVO**")
        st.caption("Alle gespeicherten Angaben zu dieser Person als Datei, ohne Passwort-Hash.")
        if st.button("Auskunft erstellen", key="export_person"):
            with write_session() as session:
                export = export_person(session=session, actor=user, data=PersonRequest(pilot_id=record.id))
            st.session_state[EXPORT_KEY] = (record.id, export.json_bytes(), export.xlsx_bytes())
        stored = st.session_state.get(EXPORT_KEY)
        if stored is not None and stored[0] == record.id:
            json_column, excel_column = st.columns(2)
            json_column.download_button(
                "Auskunft als JSON herunterladen",
                data=lambda: stored[1],  # handed out per click; the gateway drops it once fetched
                file_name=export_file_name(record.id, "json"),
                mime="application/json",
                key="export_json",
                on_click="ignore",
            )
            excel_column.download_button(
                "Auskunft als Excel herunterladen",
                data=lambda: stored[2],
                file_name=export_file_name(record.id, "xlsx"),
                mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                key="export_xlsx",
                on_click="ignore",
            )
        st.markdown("**Löschung nach Art. 17 DSGVO (Anonymisierung)**")
        if record.anonymised:
            st.caption("Diese Person ist bereits anonymisiert.")
            return
        with st.form("anonymise"):
            st.caption(
                "Entfernt Name, E-Mail-Adresse und alle Freitexte dieser Person überall, auch im Protokoll, "
                "und sperrt ihr Benutzerkonto. Stufenverlauf und Zahlen je Organisationseinheit bleiben "
                "erhalten. Das lässt sich nicht rückgängig machen."
            )
            confirmed = st.checkbox("Ja, diese Person unwiderruflich anonymisieren", key="anonymise_confirm")
            if st.form_submit_button("Person anonymisieren"):
                if not confirmed:
                    st.error("Bitte zuerst bestätigen, dass die Person anonymisiert werden soll.")
                    return
                with write_session() as session:
                    anonymise_person(session=session, actor=user, data=PersonRequest(pilot_id=record.id))
                st.session_state.pop(EXPORT_KEY, None)
                after_write("success", f"Die Person wurde anonymisiert (jetzt „Anonymisiert #{record.id}“).")


def training_section(root_id: int | None) -> None:
    completion = cache.query(training.module_completion, root_id=root_id)
    st.subheader("Abschlüsse je Modul")
    if completion.empty:
        st.caption("Es sind noch keine Module angelegt.")
        return
    top = completion.loc[completion["abgeschlossen"].idxmax()]
    total = int(completion["Lotsen gesamt"].iloc[0])
    table = completion.assign(**{"Anteil abgeschlossen": completion["Anteil abgeschlossen"].map(fmt_percent)})
    show_chart(
        horizontal_bars(
            completion, category="Modul", value="abgeschlossen", value_title="Lotsen mit Abschluss"
        ),
        description=(
            f"Balkendiagramm: Zahl der Lotsen mit Abschluss je Modul, von {fmt_number(total)} im Programm. "
            f"Die meisten Abschlüsse hat „{top['Modul']}“ ({fmt_number(int(top['abgeschlossen']))})."
        ),
        data=table,
        key="chart_modules",
        name="Abschlüsse je Modul",
    )
    st.subheader("Qualifizierungsmatrix")
    st.caption("Je Lotsin und Lotse und Modul: abgeschlossen, eingeschrieben oder offen.")
    matrix = cache.query(training.training_matrix, viewer=user, root_id=root_id, limit=tables.MAX_SHOWN_ROWS)
    tables.show_table(
        matrix.drop(columns=["id"]),
        name="Qualifizierungsmatrix",
        key="matrix_table",
        total=total,  # the Lotsen in the programme that module_completion counted: the matrix's rows
        whole=lambda: cache.query(training.training_matrix, viewer=user, root_id=root_id).drop(
            columns=["id"]
        ),
    )


st.title("Lotsen & Qualifizierung")
scope = filters.scope_filter()
st.caption(f"Auswahl: {escaped(scope.label)}")
feedback.show(AREA)

help_tab, roster_tab, training_tab = st.tabs(["Unterstützung und Meldungen", "Lotsen", "Qualifizierung"])
with help_tab:
    support_requests(scope.root_id)
    feed(scope.root_id)
with roster_tab:
    roster_section()
with training_tab:
    training_section(scope.root_id)
