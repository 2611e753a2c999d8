"""Roadmap (AppTest): every role reads it at demo scale and at M, only admin edits, stale saves fail."""

from __future__ import annotations

import io
import json
import os
import re
import sqlite3
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pytest
import streamlit as st
from sqlalchemy import Engine, func
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from model import demo
from model.core.db import make_engine, read_session, write_session
from model.core.migrate import migrate
from model.core.tables import AuditEntry, Measure
from model.roadmap import reads as roadmap
from model.roadmap.commands import MeasureEdit, update_measure
from model.roadmap.scoring import DEFAULT_WEIGHTS, INPUT_LABELS, score_weights
from tests.pages.conftest import DEMO_USERS, log_in, new_app
from tests.support.actors import admin
from ui import pickers
from ui.feedback import ROUNDS_KEY

PAGE = "pages/roadmap.py"
ROLES = list(DEMO_USERS)
SAVE = "Änderungen speichern"


def _use_database(url: str) -> Iterator[None]:
    """Point the app at `url` for one test, without cached reads of another database leaking in."""
    saved = os.environ["DATABASE_URL"]
    os.environ["DATABASE_URL"] = url
    st.cache_data.clear()
    try:
        yield
    finally:
        os.environ["DATABASE_URL"] = saved
        st.cache_data.clear()


@pytest.fixture(scope="module")
def pristine_demo(demo_database, tmp_path_factory) -> str:
    """A demo database nobody writes to; write tests work on copies (others share demo_database)."""
    path = tmp_path_factory.mktemp("roadmap") / "pristine.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    demo.seed(engine=engine, scale="demo")
    engine.dispose()
    return str(path)


@pytest.fixture
def own_demo(pristine_demo, tmp_path) -> Iterator[Engine]:
    """A private copy of the demo database for a test that saves something."""
    target = tmp_path / "roadmap.db"
    with sqlite3.connect(pristine_demo) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    engine = make_engine(f"sqlite:///{target}")
    yield from _with_engine(f"sqlite:///{target}", engine)


def _with_engine(url: str, engine: Engine) -> Iterator[Engine]:
    for _ in _use_database(url):
        yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def scale_m_url(demo_database, tmp_path_factory) -> str:
    """Scale M (2,000 measures), seeded once per test session."""
    url = f"sqlite:///{tmp_path_factory.mktemp('roadmap_m') / 'scale_m.db'}"
    engine = make_engine(url)
    migrate(engine)
    demo.seed(engine=engine, scale="M")
    engine.dispose()
    return url


@pytest.fixture
def scale_m(scale_m_url) -> Iterator[None]:
    yield from _use_database(scale_m_url)


def open_roadmap(role: str) -> AppTest:
    at = new_app()
    at.run()
    log_in(at, DEMO_USERS[role])
    return at.switch_page(PAGE).run()


def widget(widgets: Any, label: str) -> Any:
    return next(item for item in widgets if item.label == label)


def texts(elements: Any) -> list[str]:
    """Element texts as a reader sees them (Markdown escapes of user text removed)."""
    return [re.sub(r"\\(.)", r"\1", element.value) for element in elements]


def chart_datasets(at: AppTest) -> list[tuple[dict[str, Any], dict[str, pa.Table]]]:
    """Each chart's Vega-Lite spec with its datasets as Arrow tables (what the browser receives)."""
    result = []
    for chart in at.get("vega_lite_chart"):
        tables = {
            data.name: pa.ipc.open_stream(io.BytesIO(data.data.data)).read_all()
            for data in chart.proto.datasets
        }
        result.append((json.loads(chart.proto.spec), tables))
    return result


def leaf_views(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for key in ("layer", "vconcat", "hconcat", "concat"):
        for child in spec.get(key, []):
            yield from leaf_views(child)
    if "mark" in spec:
        yield spec


# ------------------------------------------------------------------ every role, demo scale


@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_matrix_timeline_and_score_rules(app_as, role) -> None:
    at = open_roadmap(role)

    assert not at.exception
    assert texts(at.title) == ["Roadmap"]
    assert {"Prioritätenmatrix", "Zeitplan nach Quartalen", "So entsteht die Priorität"} <= set(
        texts(at.subheader)
    )
    assert len(at.get("vega_lite_chart")) == 2
    assert any(code.value.startswith("Score = 25 · (0,30 · Nutzen Bürger*innen") for code in at.code)
    assert "Klasse A: Score ab 65 · Klasse B: ab 40 bis unter 65 · Klasse C: unter 40" in texts(at.markdown)
    assert any(markdown.startswith("**Score ") for markdown in texts(at.markdown))  # chosen measure explained


@pytest.mark.parametrize("role", ["leitung", "lotse"])
def test_leitung_and_lotse_get_no_edit_controls(app_as, role) -> None:
    at = open_roadmap(role)

    assert not at.exception
    assert len(at.get("form")) == 0
    assert not [button for button in at.button if button.label in (SAVE, "Gewichte speichern")]


def test_admin_sees_the_measure_form_the_weights_form_and_the_new_measure_form(app_as) -> None:
    at = open_roadmap("admin")

    assert len(at.get("form")) == 3
    labels = {field.label for field in (*at.text_input, *at.selectbox, *at.number_input, *at.checkbox)}
    assert {
        "Titel",
        "Status",
        "Ampel",
        "Start (Quartal)",
        "Kosten investiv (€)",
        "Personentage",
        "OZG-Leistung (OZG-ID)",
        "Reifegrad Ziel",
        "EfA („Einer für alle“)",
        "Förderprogramm",
        "Beschluss / Vorlage-Nr.",
        "Nutzen Bürger*innen (%)",
    } <= labels


def test_more_measures_than_listed_show_the_best_and_say_so(app_as, monkeypatch) -> None:
    monkeypatch.setattr(roadmap, "MAX_LISTED", 10)  # the demo city has 36 measures (and 4 open ideas)
    at = open_roadmap("leitung")

    assert not at.exception
    assert (
        "Gezeigt werden die 10 Maßnahmen mit dem höchsten Score von 36; die Filter grenzen die Auswahl ein."
        in (texts(at.caption))
    )
    (_, matrix_data), _ = chart_datasets(at)
    assert max(table.num_rows for table in matrix_data.values()) == 10
    assert len(widget(at.selectbox, "Maßnahme").options) == 10


def test_class_and_ozg_filters_narrow_the_table(app_as) -> None:
    at = open_roadmap("leitung")
    widget(at.multiselect, "Prioritätsklasse").select("A")
    widget(at.checkbox, "nur OZG-verknüpfte Maßnahmen").check()
    at.run()

    assert not at.exception
    frame = at.dataframe[1].value  # the table beside the matrix (the first is its table alternative)
    assert len(frame) > 0
    assert set(frame["Klasse"]) == {"A"}
    full = at.dataframe[0].value
    assert len(full) == len(frame)
    assert "–" not in set(full["OZG-ID"])
    assert (at.query_params["klasse"], at.query_params["ozg"]) == ("A", "1")


def test_a_link_with_filters_opens_the_same_view(app_as) -> None:
    at = new_app()
    at.query_params.update({"klasse": ["B", "C"], "status": "planned", "kategorie": "unbekannt"})
    at.run()
    log_in(at, DEMO_USERS["lotse"])
    at.switch_page(PAGE).run()

    assert not at.exception
    assert widget(at.multiselect, "Prioritätsklasse").value == ["B", "C"]
    assert widget(at.multiselect, "Status").value == ["planned"]
    assert widget(at.multiselect, "Kategorie").value == []  # unknown values in a link are dropped
    frame = at.dataframe[0].value
    assert set(frame["Klasse"]) <= {"B", "C"} and set(frame["Status"]) == {"geplant"}


def test_a_long_list_of_units_or_lotsen_in_the_measure_form_is_searched_first(app_as, monkeypatch) -> None:
    monkeypatch.setattr(pickers, "MAX_CHOICES", 3)  # the demo city has more units and Lotsen

    def form_box(at: AppTest, field: str) -> Any:
        return next(box for box in at.selectbox if re.fullmatch(rf"m_\d+_\d+_{field}", box.key or ""))

    at = open_roadmap("admin")
    for field in ("unit", "contact"):
        assert len(form_box(at, field).options) <= 1 + 3 + 1  # "–", three, and the current value
    widget(at.text_input, "Organisationseinheit suchen (Kürzel oder Name)").input("Bürgeramt").run()
    assert any("Bürgeramt" in option for option in form_box(at, "unit").options)
    assert not at.exception


def test_a_long_unit_filter_is_searched_and_a_linked_unit_stays_chosen(app_as, monkeypatch) -> None:
    monkeypatch.setattr(pickers, "MAX_CHOICES", 3)  # the demo city has more units with measures
    with read_session() as session:
        units = roadmap.units_with_measures(session=session)
    last = units[-1]  # by Kürzel: not among the first three
    at = new_app()
    at.query_params["einheit"] = last.code
    at.run()
    log_in(at, DEMO_USERS["leitung"])
    at.switch_page(PAGE).run()

    unit_filter = widget(at.multiselect, "Verantwortliche Organisationseinheit")
    assert unit_filter.value == [last.id]
    assert len(unit_filter.options) == 3 + 1  # the first three and the chosen one
    assert any(f"ersten 3 von {len(units)}" in caption.value for caption in at.caption)
    widget(at.text_input, "Einheit suchen (Kürzel oder Name)").input(units[1].name).run()
    unit_filter = widget(at.multiselect, "Verantwortliche Organisationseinheit")
    assert f"{units[1].code} – {units[1].name}" in unit_filter.options
    assert unit_filter.value == [last.id] and at.query_params["einheit"] == last.code
    assert not at.exception


# ------------------------------------------------------------------ admin writes


def _chosen_measure(at: AppTest, engine: Engine) -> Measure:
    measure_id = at.selectbox(key="roadmap_measure").value
    with read_session(engine) as session:
        return session.get(Measure, measure_id)


def test_admin_saves_a_change_with_audit(app_as, own_demo) -> None:
    at = open_roadmap("admin")
    before = _chosen_measure(at, own_demo)
    widget(at.selectbox, "Status").set_value("deferred")
    widget(at.text_input, "Personentage").input("1.234,5")
    widget(at.button, SAVE).click()
    at.run()

    assert not at.exception
    assert any("wurde gespeichert" in text for text in texts(at.success))
    after = _chosen_measure(at, own_demo)
    assert (after.status, after.person_days, after.version) == ("deferred", 1234.5, before.version + 1)
    with read_session(own_demo) as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.entity == "measure")).one()
    assert entry.actor == "cdo"
    assert json.loads(entry.changes) == {
        "status": [before.status, "deferred"],
        "person_days": [before.person_days, 1234.5],
    }


def test_a_stale_save_is_refused_with_a_message_and_the_other_edit_stays(app_as, own_demo) -> None:
    at = open_roadmap("admin")
    measure = _chosen_measure(at, own_demo)
    with write_session(own_demo) as session:  # a colleague saves first
        update_measure(
            session=session,
            actor=admin("kollegin"),
            data=MeasureEdit(
                measure_id=measure.id, expected_version=measure.version, changes={"status": "done"}
            ),
        )
    widget(at.text_input, "Personentage").input("77")
    widget(at.button, SAVE).click()
    at.run()

    assert not at.exception
    assert any("inzwischen von jemand anderem geändert" in text for text in texts(at.error))
    after = _chosen_measure(at, own_demo)
    assert (after.status, after.person_days, after.version) == (
        "done",
        measure.person_days,
        measure.version + 1,
    )
    # The form now shows the colleague's state, ready for a new attempt.
    assert widget(at.selectbox, "Status").value == "done"


def test_invalid_input_is_refused_in_german_and_nothing_changes(app_as, own_demo) -> None:
    at = open_roadmap("admin")
    measure = _chosen_measure(at, own_demo)
    widget(at.text_input, "Start (Quartal)").input("2026-Q9")
    widget(at.text_input, "Kosten konsumtiv (€)").input("teuer")
    widget(at.button, SAVE).click()
    at.run()

    assert not at.exception
    [error] = texts(at.error)
    assert "Start (Quartal): „2026-Q9“ ist kein Quartal" in error
    assert "Kosten konsumtiv (€): „teuer“ ist keine Zahl." in error
    assert _chosen_measure(at, own_demo).version == measure.version


def test_admin_changes_the_weights_and_the_formula_follows(app_as, own_demo) -> None:
    at = open_roadmap("admin")
    widget(at.number_input, "Nutzen Bürger*innen (%)").set_value(40)
    widget(at.button, "Gewichte speichern").click()
    at.run()
    assert any("zusammen 1 ergeben" in text for text in texts(at.error))  # 110 %

    widget(at.number_input, "Nutzen Verwaltung (%)").set_value(10)
    widget(at.button, "Gewichte speichern").click()
    at.run()

    assert not at.exception
    assert any("neuen Gewichte" in text for text in texts(at.success))
    assert any("0,40 · Nutzen Bürger*innen + 0,10 · Nutzen Verwaltung" in code.value for code in at.code)
    with read_session(own_demo) as session:
        weights = score_weights(session=session)
    assert (weights.benefit_citizens, weights.benefit_admin) == (0.4, 0.1)
    assert weights != DEFAULT_WEIGHTS


def key(at: AppTest, form: str, field: str) -> str:
    """The key of a form field in the form's current round (ui.feedback.FormRound)."""
    return f"{form}_{at.session_state.get(ROUNDS_KEY, {}).get(form, 0)}_{field}"


def weight_fields(at: AppTest) -> dict[str, int]:
    return {name: at.number_input(key=key(at, "roadmap_weights", name)).value for name in INPUT_LABELS}


def test_two_admins_changing_the_weights_the_later_is_refused_and_sees_the_first(app_as, own_demo) -> None:
    first, second = open_roadmap("admin"), open_roadmap("admin")
    first.number_input(key=key(first, "roadmap_weights", "benefit_citizens")).set_value(35)
    first.number_input(key=key(first, "roadmap_weights", "benefit_admin")).set_value(15)
    widget(first.button, "Gewichte speichern").click()
    first.run()
    second.run()  # B's page is drawn again meanwhile: the form still shows what it showed
    assert weight_fields(second)["benefit_citizens"] == 30
    second.number_input(key=key(second, "roadmap_weights", "urgency")).set_value(25)
    second.number_input(key=key(second, "roadmap_weights", "legal_duty")).set_value(10)
    widget(second.button, "Gewichte speichern").click()
    second.run()

    assert any("neuen Gewichte" in text for text in texts(first.success))
    assert any("inzwischen von jemand anderem geändert" in text for text in texts(second.error))
    assert not second.success
    with read_session(own_demo) as session:
        weights = score_weights(session=session)
    assert (weights.benefit_citizens, weights.benefit_admin, weights.urgency) == (0.35, 0.15, 0.2)
    assert weight_fields(second) == {
        "benefit_citizens": 35,
        "benefit_admin": 15,
        "urgency": 20,
        "legal_duty": 15,
        "effort": 15,
    }


def test_unchanged_weights_are_not_saved(app_as, own_demo) -> None:
    at = open_roadmap("admin")
    widget(at.button, "Gewichte speichern").click()
    at.run()

    assert "Es wurde nichts geändert." in texts(at.info)
    with read_session(own_demo) as session:
        assert not session.exec(select(AuditEntry).where(AuditEntry.entity == "app_setting")).all()


NEW_FORM = "roadmap_new"


def fill_new_measure(at: AppTest, title: str) -> AppTest:
    at.text_input(key=key(at, NEW_FORM, "title")).input(title)
    at.selectbox(key=key(at, NEW_FORM, "category")).set_value("egov_ozg")
    at.number_input(key=key(at, NEW_FORM, "urgency")).set_value(5)
    at.text_input(key=key(at, NEW_FORM, "start")).input("2027-Q1")
    at.text_input(key=key(at, NEW_FORM, "cap")).input("250.000")
    return at


def new_measures(engine: Engine, title: str) -> list[Measure]:
    with read_session(engine) as session:
        return list(session.exec(select(Measure).where(Measure.title == title)).all())


def test_admin_creates_a_measure_once_and_the_form_is_empty_again(app_as, own_demo) -> None:
    at = fill_new_measure(open_roadmap("admin"), "Digitale Bauakte")
    widget(at.button, "Maßnahme anlegen").click()
    at.run()

    assert not at.exception and not at.error
    assert "Die Maßnahme „Digitale Bauakte“ wurde angelegt." in texts(at.success)
    assert any("wurde angelegt" in toast.value for toast in at.toast)
    assert at.text_input(key=key(at, NEW_FORM, "title")).value == ""
    assert at.selectbox(key=key(at, NEW_FORM, "category")).value is None
    [measure] = new_measures(own_demo, "Digitale Bauakte")
    assert (
        measure.category,
        measure.status,
        measure.urgency,
        measure.start_quarter,
        measure.cost_capital,
    ) == (
        "egov_ozg",
        "planned",
        5,
        "2027-Q1",
        250000.0,
    )
    with read_session(own_demo) as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.entity == "measure")).one()
    assert (entry.actor, entry.action, entry.entity_id) == ("cdo", "create", str(measure.id))

    # The browser sends the same form again (a second tap before the answer arrived).
    widget(fill_new_measure(at, "Digitale Bauakte").button, "Maßnahme anlegen").click()
    at.run()

    assert any("bereits gespeichert" in text for text in texts(at.info))
    assert at.text_input(key=key(at, NEW_FORM, "title")).value == ""
    assert len(new_measures(own_demo, "Digitale Bauakte")) == 1


def test_a_refused_new_measure_keeps_what_was_typed(app_as, own_demo) -> None:
    at = fill_new_measure(open_roadmap("admin"), "Einführung der E-Akte")  # a demo measure's title
    at.text_input(key=key(at, NEW_FORM, "end")).input("2026-Q9")
    widget(at.button, "Maßnahme anlegen").click()
    at.run()

    [error] = texts(at.error)
    assert "Es gibt schon eine Maßnahme mit dem Titel „Einführung der E-Akte“. Bitte wählen Sie" in error
    assert "Ende (Quartal): „2026-Q9“ ist kein Quartal" in error
    assert at.text_input(key=key(at, NEW_FORM, "title")).value == "Einführung der E-Akte"
    assert at.text_input(key=key(at, NEW_FORM, "cap")).value == "250.000"
    assert len(new_measures(own_demo, "Einführung der E-Akte")) == 1


# ------------------------------------------------------------------ scale M


@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_the_roadmap_at_scale_m(app_as, scale_m, role) -> None:
    at = open_roadmap(role)

    assert not at.exception
    assert len(at.get("vega_lite_chart")) == 2
    assert len(at.get("form")) == (3 if role == "admin" else 0)


def test_at_scale_m_no_chart_gets_more_rows_than_it_draws(app_as, scale_m, scale_m_url) -> None:
    at = open_roadmap("leitung")
    with read_session(make_engine(scale_m_url)) as session:
        measures = session.exec(select(func.count()).select_from(Measure)).one()

    (matrix, matrix_data), (timeline, timeline_data) = chart_datasets(at)
    for spec in (matrix, timeline):
        for view in leaf_views(spec):
            # Every row becomes its own mark: no aggregation or filtering in the browser.
            assert "transform" not in view
            assert not any("aggregate" in channel for channel in view.get("encoding", {}).values())
    largest = max(matrix_data.values(), key=lambda table: table.num_rows)
    assert largest.num_rows == measures > 1_500  # one point per measure (ideas of Lotsen are none)
    assert set(largest.column_names) == {
        "id",
        "Maßnahme",
        "Kategorie",
        "x",
        "y",
        "Kosten",
        "Nutzen",
        "Aufwand",
        "Kosten gesamt",
        "Score",
    }
    assert sum(table.num_rows for table in matrix_data.values()) == measures + 6  # + 2 lines, 4 labels
    cells = max(timeline_data.values(), key=lambda table: table.num_rows)
    assert "vconcat" not in timeline  # many measures: counts per category and quarter
    assert cells.num_rows <= 8 * 20  # 8 categories, the seed plans at most 15 quarters
