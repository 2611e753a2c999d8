"""Reading the audit log: filters by user, object and period (local days); old → new per field in German."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from model.core import audit_log
from model.core.audit import record_audit
from model.core.db import read_session, write_session
from model.core.enums import UnitKind
from model.core.tables import OrgUnit


def add_entry(engine, *, at: datetime, actor: str, action: str, entity: str, entity_id, changes) -> None:
    with write_session(engine) as session:
        entry = record_audit(
            session=session, actor=actor, action=action, entity=entity, entity_id=entity_id, changes=changes
        )
        entry.at = at


@pytest.fixture
def log(engine) -> dict[str, int]:
    with write_session(engine) as session:
        old_unit = OrgUnit(code="33", name="Bürgeramt", kind=UnitKind.AMT)
        new_unit = OrgUnit(code="51", name="Jugendamt", kind=UnitKind.AMT)
        session.add_all([old_unit, new_unit])
    ids = {"33": old_unit.id, "51": new_unit.id}
    add_entry(
        engine,
        at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
        actor="cdo",
        action="update",
        entity="pilot",
        entity_id=7,
        changes={
            "stage": ("active", "paused"),
            "unit_id": (ids["33"], ids["51"]),
            "stage_since": (date(2026, 3, 1), date(2026, 11, 20)),
        },
    )
    add_entry(
        engine,
        at=datetime(2026, 11, 22, 23, 30, tzinfo=UTC),  # 23.11. 00:30 in Germany
        actor="anna",
        action="create",
        entity="measure",
        entity_id=12,
        changes={
            "title": (None, '=HYPERLINK("http://x")'),
            "status": (None, "in_progress"),
            "efa": (None, True),
        },
    )
    add_entry(
        engine,
        at=datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
        actor="manage.py",
        action="restore",
        entity="database",
        entity_id=None,
        changes={},
    )
    return ids


def read(engine, **filters) -> audit_log.AuditLog:
    with read_session(engine) as session:
        return audit_log.audit_entries(session=session, **filters)


def test_entries_are_expanded_to_one_row_per_field_in_german(engine, log) -> None:
    frame = read(engine, entity="pilot").frame
    assert list(frame.columns) == [
        "Zeitpunkt",
        "Benutzer",
        "Aktion",
        "Objekt",
        "Objekt-ID",
        "Feld",
        "Alt",
        "Neu",
    ]
    rows = {row["Feld"]: (row["Alt"], row["Neu"]) for row in frame.to_dict("records")}
    assert rows == {
        "Stufe": ("aktiv", "pausiert"),
        "Organisationseinheit": (f"33 (#{log['33']})", f"51 (#{log['51']})"),
        "Seit": ("01.03.2026", "20.11.2026"),
    }
    assert set(frame["Zeitpunkt"]) == {"20.11.2026 10:00:00"}  # local time
    assert set(frame["Aktion"]) == {"geändert"}
    assert set(frame["Objekt"]) == {"Lotsin/Lotse"}


def test_values_are_shown_as_typed_with_labels_and_yes_no(engine, log) -> None:
    frame = read(engine, actor="anna").frame
    rows = {row["Feld"]: (row["Alt"], row["Neu"]) for row in frame.to_dict("records")}
    assert rows == {
        "Titel": ("–", '=HYPERLINK("http://x")'),
        "Status": ("–", "in Umsetzung"),
        "EfA": ("–", "ja"),
    }


def test_an_entry_without_fields_still_shows_as_one_row(engine, log) -> None:
    frame = read(engine, entity="database").frame
    assert frame[["Benutzer", "Aktion", "Objekt", "Feld"]].values.tolist() == [
        ["manage.py", "wiederhergestellt", "Datenbank", "–"]
    ]


def test_the_period_counts_whole_local_days(engine, log) -> None:
    on_23rd = read(engine, start=date(2026, 11, 23), end=date(2026, 11, 23))
    assert (on_23rd.entries_shown, on_23rd.entries_total) == (2, 2)
    assert set(on_23rd.frame["Benutzer"]) == {"anna", "manage.py"}
    up_to_22nd = read(engine, end=date(2026, 11, 22))
    assert set(up_to_22nd.frame["Benutzer"]) == {"cdo"}


def test_newest_first_and_the_limit_counts_entries_not_rows(engine, log) -> None:
    everything = read(engine)
    assert list(dict.fromkeys(everything.frame["Benutzer"])) == ["manage.py", "anna", "cdo"]
    limited = read(engine, limit=2)
    assert (limited.entries_shown, limited.entries_total) == (2, 3)
    assert set(limited.frame["Benutzer"]) == {"manage.py", "anna"}


def test_filter_options_list_the_users_and_object_types_that_occur(engine, log) -> None:
    with read_session(engine) as session:
        options = audit_log.audit_filter_options(session=session)
    assert options.actors == ("anna", "cdo", "manage.py")
    assert options.entities == {"database": "Datenbank", "pilot": "Lotsin/Lotse", "measure": "Maßnahme"}
