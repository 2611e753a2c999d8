"""Mein Status: the Lotse's own record, a report in under a minute, ideas for the roadmap, the history.

The record is always the one linked to the login on the server (`user.pilot_id`); nothing the
browser sends (URL, query parameters, form fields) can point the page at another person.
"""

import streamlit as st

from model.core import clock
from model.core.audit import AlreadySaved
from model.core.db import write_session
from model.core.enums import ActivityType, Category
from model.core.german import fmt_number
from model.pilots import reads as pilots
from model.pilots.checks import PilotInputError, StaleEditError
from model.pilots.commands import (
    ActivityReport,
    FullReport,
    ReportResult,
    ReportSubmission,
    StatusReport,
    save_report,
)
from model.roadmap import ideas
from model.training import reads as training
from ui import cache, feedback, pilot_views
from ui.feedback import FormRound
from ui.navigation import current_user
from ui.plain import escaped, plain

user = current_user("mein-status")

AREA = "mein-status"
SEEN_KEY = "mein_status_seen"
REPORT = FormRound("ms_report")
IDEA = FormRound("ms_idea")
HISTORY_ROWS = 20


def saved_message(result: ReportResult) -> str:
    parts = []
    if result.activities:
        parts.append("Aktivität erfasst")
    if result.module_name:
        parts.append(f"Modul „{escaped(result.module_name)}“ als abgeschlossen eingetragen")
    if result.stage:
        parts.append(f"Stufe jetzt „{pilot_views.stage_label(result.stage)}“")
    if result.hours_per_week is not None:
        parts.append(f"Stunden pro Woche jetzt {fmt_number(result.hours_per_week, 1)}")
    details = f" ({'; '.join(parts)})" if parts else ""
    return f"Danke! Ihre Meldung wurde gespeichert{details}. Sie steht jetzt unten in Ihrem Verlauf."


st.title("Mein Status")
if user.pilot_id is None:
    st.info(
        "Ihr Konto ist mit keiner Lotsin und keinem Lotsen verknüpft. Bitte wenden Sie sich an das CDO-Büro."
    )
    st.stop()
# The only source of the record: the login checked on the server in this run.
pilot_id = user.pilot_id
record = cache.query(pilots.pilot_record, viewer=user, pilot_id=pilot_id)
if record is None:
    st.error("Ihr Eintrag als Lotsin / Lotse wurde nicht gefunden. Bitte wenden Sie sich an das CDO-Büro.")
    st.stop()
progress = cache.query(training.training_progress, viewer=user, pilot_id=pilot_id)

feedback.show(AREA)
plain(f"{record.name} · {record.email}")
pilot_views.record_header(record)

today = clock.today()
open_modules = progress.loc[progress["state"] != "completed"]
module_names = dict(zip(open_modules["module_id"], open_modules["Modul"], strict=True))
activity_codes = [kind.value for kind in ActivityType]

st.subheader("Meldung abgeben")
with st.form(REPORT.form):
    st.caption("Alle Angaben sind freiwillig; füllen Sie nur aus, was sich geändert hat.")
    text = st.text_area(
        "Was haben Sie seit der letzten Meldung getan? (optional)", max_chars=2000, key=REPORT.key("text")
    )
    left, right = st.columns(2)
    activity = left.selectbox(
        "Aktivität",
        [None, *activity_codes],
        format_func=lambda code: "keine Aktivität melden" if code is None else pilots.ACTIVITY_LABELS[code],
        key=REPORT.key("activity"),
    )
    count = right.number_input(
        "Anzahl", min_value=1, max_value=1000, value=1, step=1, key=REPORT.key("count")
    )
    activity_on = left.date_input(
        "Datum der Aktivität",
        value=today,
        max_value=today,
        format="DD.MM.YYYY",
        key=REPORT.key("activity_date"),
    )
    note = right.text_input("Notiz zur Aktivität (optional)", max_chars=1000, key=REPORT.key("note"))
    module = left.selectbox(
        "Abgeschlossenes Modul",
        [None, *module_names],
        format_func=lambda module_id: (
            "kein Modul melden" if module_id is None else module_names.get(module_id, "–")
        ),
        key=REPORT.key("module"),
    )
    module_on = right.date_input(
        "Modul abgeschlossen am",
        value=today,
        max_value=today,
        format="DD.MM.YYYY",
        key=REPORT.key("module_date"),
    )
    stage = left.selectbox(
        "Stufe",
        [None, *[next_stage.value for next_stage in record.next_stages]],
        format_func=lambda code: (
            f"unverändert ({pilot_views.stage_label(record.stage)})"
            if code is None
            else f"neu: {pilot_views.stage_label(code)}"
        ),
        key=REPORT.key("stage"),
        help="Es stehen nur die Schritte zur Wahl, die von Ihrer aktuellen Stufe aus möglich sind.",
    )
    hours = right.number_input(
        "Stunden pro Woche neu (leer lassen = unverändert)",
        min_value=0.0,
        max_value=40.0,
        value=None,
        step=0.5,
        format="%.1f",
        placeholder=f"zurzeit {fmt_number(record.hours_per_week, 1)}",
        key=REPORT.key("hours"),
    )
    blocker = st.text_area("Hindernis (optional)", max_chars=1000, key=REPORT.key("blocker"))
    support = st.checkbox(
        "Unterstützung gewünscht",
        key=REPORT.key("support"),
        help="Das CDO-Büro sieht Ihren Wunsch sofort und meldet sich bei Ihnen.",
    )
    submitted = st.form_submit_button("Meldung speichern", type="primary")

if submitted:
    shown = pilot_views.seen(SEEN_KEY, record)
    report = FullReport(
        status=StatusReport(
            text=text,
            blocker=blocker,
            support_wanted=support,
            activities=(
                () if activity is None else (ActivityReport(activity, int(count), activity_on, note),)
            ),
        ),
        to_stage=stage,
        completed_module_id=None if module is None else int(module),
        completed_on=module_on,
        hours_per_week=None if hours is None else float(hours),
    )
    try:
        with write_session() as session:
            result = save_report(
                session=session,
                actor=user,
                data=ReportSubmission(
                    pilot_id=pilot_id, expected_version=shown.version, report=report, author_id=user.id
                ),
            )
    except StaleEditError as error:
        # Show the current record at once; the form keeps what the user typed.
        feedback.done(AREA, escaped(error), kind="error", forget=(SEEN_KEY,))
    except AlreadySaved as repeat:
        feedback.done(AREA, escaped(repeat), kind="info", reset=(REPORT,), forget=(SEEN_KEY,))
    except PilotInputError as error:
        st.error(f"Nicht gespeichert: {escaped(error)}")
    else:
        feedback.done(AREA, saved_message(result), reset=(REPORT,), forget=(SEEN_KEY,))
else:
    pilot_views.remember(SEEN_KEY, record)

st.subheader("Idee für die Roadmap einreichen")
with st.form(IDEA.form):
    st.caption(
        f"Ihre Idee geht an das CDO-Büro, für Ihre Organisationseinheit {escaped(record.unit_label)}. "
        "Bis es entschieden hat, sehen sie nur das CDO-Büro und Sie; unten unter „Meine Ideen“ steht, "
        "ob sie in die Roadmap aufgenommen wurde, und wenn nicht, warum."
    )
    title = st.text_input("Titel der Idee", max_chars=ideas.TITLE_MAX, key=IDEA.key("title"))
    description = st.text_area(
        "Beschreibung (optional)", max_chars=ideas.DESCRIPTION_MAX, key=IDEA.key("description")
    )
    category = st.selectbox(
        "Kategorie",
        [item.value for item in Category],
        format_func=pilot_views.CATEGORY_LABELS.__getitem__,
        key=IDEA.key("category"),
    )
    if st.form_submit_button("Idee einreichen"):
        try:
            with write_session() as session:
                idea = ideas.submit_idea(
                    session=session,
                    actor=user,
                    data=ideas.NewIdea(
                        pilot_id=pilot_id, title=title, description=description, category=category
                    ),
                )
                idea_title = idea.title
        except AlreadySaved as repeat:
            feedback.done(AREA, escaped(repeat), kind="info", reset=(IDEA,))
        except ideas.IdeaError as error:
            st.error(f"Nicht eingereicht: {escaped(error)}")
        else:
            feedback.done(
                AREA,
                f"Danke! Ihre Idee „{escaped(idea_title)}“ ist beim CDO-Büro eingereicht. "
                "Unter „Meine Ideen“ sehen Sie, wie es entscheidet.",
                reset=(IDEA,),
            )

st.subheader("Meine Qualifizierung")
share, summary = pilot_views.progress_text(progress)
st.progress(share, text=summary)
pilot_views.static_table(
    progress[["Modul", "Art", "Stand", "Eingeschrieben", "Abgeschlossen"]],
    empty="Es sind noch keine Module angelegt.",
    name="Meine Module",
    date_columns=["Eingeschrieben", "Abgeschlossen"],
)

st.subheader("Meine letzten Meldungen")
history = cache.query(pilots.pilot_history, viewer=user, pilot_id=pilot_id, limit=HISTORY_ROWS)
pilot_views.static_table(
    history, empty="Noch keine Einträge.", name="Meine Meldungen", date_columns=["Datum"]
)

st.subheader("Meine Ideen")
pilot_views.static_table(
    cache.query(ideas.own_ideas, viewer=user, pilot_id=pilot_id),
    empty="Sie haben noch keine Idee eingereicht.",
    name="Meine Ideen",
    date_columns=["Eingereicht am", "Entschieden am"],
)
