"""Präsentation: six slides for a shared screen, meeting snapshots, and the deck as PDF and PowerPoint.

Only the slide reruns (st.fragment): the buttons, and with auto-advance a timer, redraw it with
fresh figures. Each of those reruns checks the login first, as every run of app.py does: a login
ended elsewhere (logout in another tab, account deactivated) shows no further figures. Everything
shown is aggregated; no names and no per-person figures.
"""

import time

import streamlit as st

from model.core import clock
from model.core.audit import AlreadySaved
from model.core.db import write_session
from model.core.enums import Role
from model.core.german import fmt_date, fmt_datetime
from model.deck import slides as deck
from model.deck.pdf import pdf_bytes
from model.deck.powerpoint import pptx_bytes
from model.meetings import snapshots
from ui import auth, cache, feedback, slides
from ui.errors import guarded, inject_fault
from ui.feedback import FormRound
from ui.navigation import current_user
from ui.plain import escaped

# Seconds between slides; 10 s is the shortest, long enough to read a slide.
INTERVALS = (10, 20, 30, 60)
SLIDE = "lc_slide_index"
CHANGED_AT = "lc_slide_changed_at"
PAUSED = "lc_auto_paused"
NO_ADVANCE = "lc_no_advance"  # this run of the slide was not the timer's
CLOSE_AREA = "praesentation-sitzung"
CLOSE = FormRound("lc_close_meeting")
MENU = "lc_menu"
SNAPSHOT = "lc_snapshot"

user = current_user("praesentation")
st.session_state.setdefault(SLIDE, 0)
st.session_state.setdefault(CHANGED_AT, time.monotonic())
st.session_state.setdefault(PAUSED, False)


def go_to(step: int) -> None:
    """Previous or next slide (buttons): the auto-advance timer starts again."""
    st.session_state[SLIDE] += step
    st.session_state[CHANGED_AT] = time.monotonic()
    st.session_state[NO_ADVANCE] = True


def hold() -> None:
    st.session_state[NO_ADVANCE] = True


def restart_timer() -> None:
    st.session_state[PAUSED] = False
    st.session_state[CHANGED_AT] = time.monotonic()


def toggle_pause() -> None:
    st.session_state[PAUSED] = not st.session_state[PAUSED]
    st.session_state[CHANGED_AT] = time.monotonic()
    st.session_state[NO_ADVANCE] = True


def advance_if_due(*, interval: int, running: bool) -> None:
    """On a timer run, show the next slide once the interval has passed since the last change."""
    clicked = st.session_state.pop(NO_ADVANCE, False)
    # The timer ticks every interval; half of it tells its tick from a run right after a click.
    if running and not clicked and time.monotonic() - st.session_state[CHANGED_AT] >= interval * 0.5:
        st.session_state[SLIDE] += 1
        st.session_state[CHANGED_AT] = time.monotonic()


slide_area = st.container()

with st.expander("Einstellungen, Sitzungen und Foliensatz", key="lc_settings"):
    left, middle, right = st.columns(3)
    contrast = left.toggle("Hoher Kontrast (weiß und gelb auf schwarz)", key="lc_contrast")
    auto = middle.toggle("Automatisch weiterblättern", key="lc_auto", on_change=restart_timer)
    interval = right.selectbox(
        "Intervall",
        INTERVALS,
        index=2,
        format_func=lambda seconds: f"alle {seconds} Sekunden",
        key="lc_interval",
        on_change=restart_timer,
    )
    known = cache.query(snapshots.list_snapshots)
    last = cache.query(snapshots.baseline, before=clock.today())
    snapshot_id = None
    if known:
        titles = {info.id: f"{info.title} ({fmt_date(info.held_on)})" for info in known}
        choices = list(titles)
        snapshot_id = st.selectbox(
            "„Seit der letzten Sitzung“ vergleicht mit",
            choices,
            index=choices.index(last.id) if last is not None else None,
            format_func=titles.get,
            key=SNAPSHOT,
            placeholder="keiner früheren Sitzung",
            help="Voreingestellt ist die letzte Sitzung vor heute; eine heute abgeschlossene Sitzung "
            "ist der Vergleich der nächsten.",
        )
    else:
        st.caption("Noch keine Sitzung abgeschlossen: „Seit der letzten Sitzung“ bleibt leer.")

    current = cache.query(deck.build_deck, snapshot_id=snapshot_id)
    st.markdown("**Foliensatz zum Verteilen** – Titelfolie und alle Folien, Diagramme als Bilder.")
    pdf, pptx = st.columns(2)
    pdf.download_button(
        "Als PDF herunterladen",
        data=lambda: pdf_bytes(current),
        file_name=deck.file_name(current, "pdf"),
        mime="application/pdf",
        key="lc_deck_pdf",
        on_click="ignore",
    )
    pptx.download_button(
        "Als PowerPoint herunterladen",
        data=lambda: pptx_bytes(current),
        file_name=deck.file_name(current, "pptx"),
        mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
        key="lc_deck_pptx",
        on_click="ignore",
    )

    st.markdown("**Tabellen der Folien** – als CSV oder Excel.")
    slides.table_downloads(current)

    if user.role == Role.ADMIN:
        feedback.show(CLOSE_AREA)
        with st.form(CLOSE.form):
            st.markdown(
                "**Sitzung abschließen** – speichert Kernzahlen, Stufen je Einheit, Status der Maßnahmen und "
                "Phasen. Die nächste Sitzung vergleicht damit; die Folien und der Foliensatz dieser Sitzung "
                "bleiben, wie sie sind."
            )
            title = st.text_input(
                "Titel",
                value=f"Sitzung vom {fmt_date(clock.today())}",
                max_chars=snapshots.TITLE_MAX,
                key=CLOSE.key("title"),
            )
            held_on = st.date_input(
                "Sitzungsdatum", value=clock.today(), format="DD.MM.YYYY", key=CLOSE.key("held_on")
            )
            if st.form_submit_button("Sitzung abschließen"):
                try:
                    with write_session() as session:
                        saved = snapshots.take_snapshot(
                            session=session,
                            actor=user,
                            data=snapshots.MeetingInput(title=title, held_on=held_on),
                        )
                        closed = (
                            f"Sitzung „{escaped(saved.title)}“ abgeschlossen "
                            f"({fmt_datetime(saved.created_at)})."
                        )
                except AlreadySaved as repeat:
                    feedback.done(CLOSE_AREA, escaped(repeat), kind="info", reset=(CLOSE,))
                except (snapshots.SnapshotError, PermissionError) as error:
                    st.error(escaped(str(error)))
                else:
                    feedback.done(CLOSE_AREA, closed, reset=(CLOSE,))
    st.caption(
        "Tipp: Mit F11 zeigt der Browser die Folien im Vollbild. Die Zahlen werden bei jedem "
        "Folienwechsel neu gelesen (höchstens eine Minute alt)."
    )

running = auto and not st.session_state[PAUSED]


@st.fragment(run_every=interval if running else None)
@guarded("praesentation")  # the fragment reruns alone, outside the page's error boundary
def presentation() -> None:
    # A timer tick is no interaction: it does not keep an idle login alive.
    if not auth.still_logged_in(active=st.session_state.get(NO_ADVANCE, False)):
        st.rerun(scope="app")  # app.py ends the session and shows the login form
    inject_fault("praesentation-folie")
    shown = cache.query(deck.build_deck, snapshot_id=snapshot_id)
    total = len(shown.slides)
    advance_if_due(interval=interval, running=running)
    index = st.session_state[SLIDE] % total
    slides.apply_style(contrast=contrast, menu=st.session_state.get(MENU, False))
    with st.container(key=slides.SLIDE_KEY):
        slides.show_slide(shown.slides[index], stand=shown.stand)
    with st.container(key=slides.NAV_KEY):
        back, number, forward, pause, menu = st.columns([1, 1, 1, 1.4, 1.4], vertical_alignment="center")
        back.button("Zurück", key="lc_back", on_click=go_to, args=(-1,), width="stretch")
        number.markdown(f"Folie {index + 1} von {total}")
        forward.button("Weiter", key="lc_next", on_click=go_to, args=(1,), width="stretch")
        if auto:
            paused = st.session_state[PAUSED]
            if pause.button(
                "Fortsetzen" if paused else "Anhalten", key="lc_pause", on_click=toggle_pause, width="stretch"
            ):
                st.rerun(scope="app")  # the timer of the slide starts or stops with the whole page
            pause.caption(
                "Automatik angehalten" if paused else f"Automatischer Wechsel alle {interval} Sekunden"
            )
        menu.toggle("Menü einblenden", key=MENU, on_change=hold)


st.session_state[NO_ADVANCE] = True  # a run of the whole page never skips a slide
with slide_area:
    presentation()
