"""IT-Personal: VZÄ per unit and task, the central IT unit, and duplicate-structure flags.

The fixture is small enough to count by hand; the expected answers are written next to it.
"""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from model.core.db import read_session, write_session
from model.core.errors import StaleEditError
from model.core.guard import AdminError
from model.core.tables import AppUser, AuditEntry, ItStaff, OrgUnit
from model.it_staff import structures as it_staff
from model.it_staff.structures import CentralItChoice, StaffCell, StaffCells
from tests.support.actors import admin

UNITS = [  # code, parent
    ("Dez I", None),
    ("IT", "Dez I"),
    ("IT.1", "IT"),
    ("10", "Dez I"),
    ("Dez II", None),
    ("20", "Dez II"),
    ("32", "Dez II"),
    ("33", "Dez II"),
    ("Dez III", None),
    ("51", "Dez III"),
]
STAFF = [
    ("IT", "infrastructure", 8.0),
    ("IT", "user_support", 5.0),
    ("IT.1", "user_support", 1.0),
    ("10", "user_support", 0.5),
    ("20", "user_support", 1.0),
    ("20", "application_support", 2.0),
    ("32", "user_support", 0.75),
    ("32", "application_support", 0.25),
    ("51", "user_support", 2.0),
    ("51", "application_support", 1.5),
    ("51", "requirements", 1.0),
    ("33", "requirements", 0.75),
]


@pytest.fixture
def ids(engine) -> dict[str, int]:
    found: dict[str, int] = {}
    with write_session(engine) as session:
        session.add(AppUser(username="cdo", display_name="CDO", role="admin", password_hash="x"))
        session.add(AppUser(username="leitung", display_name="L", role="leitung", password_hash="x"))
        for code, parent in UNITS:
            kind = "dezernat" if parent is None else "amt"
            unit = OrgUnit(code=code, name=f"Einheit {code}", kind=kind, parent_id=found.get(parent))
            session.add(unit)
            session.flush()
            found[code] = unit.id
        for code, task, fte in STAFF:
            session.add(ItStaff(unit_id=found[code], task_area=task, fte=fte))
    return found


def test_central_it_is_the_unit_with_most_fte_unless_configured(engine, ids) -> None:
    with read_session(engine) as session:
        central = it_staff.central_it_unit(session=session)
    assert (central.code, central.configured) == ("IT", False)
    with write_session(engine) as session:
        it_staff.set_central_it_unit(
            session=session, actor=admin(), data=CentralItChoice(unit_id=ids["51"], expected_version=0)
        )
    with read_session(engine) as session:
        central = it_staff.central_it_unit(session=session)
        entry = session.exec(select(AuditEntry).where(AuditEntry.entity_id == "central_it_unit")).one()
    assert (central.code, central.configured) == ("51", True)
    assert json.loads(entry.changes) == {"central_it_unit": [None, "51"]}


def test_fte_per_unit_most_first_with_the_central_subtree_marked(engine, ids) -> None:
    with read_session(engine) as session:
        frame = it_staff.fte_per_unit(session=session)
    assert list(frame["code"]) == ["IT", "51", "20", "32", "IT.1", "33", "10"]
    assert list(frame["total"]) == [13.0, 4.5, 3.0, 1.0, 1.0, 0.75, 0.5]
    assert frame.set_index("code")["central"].to_dict() == {
        "IT": True, "51": False, "20": False, "32": False, "IT.1": True, "33": False, "10": False,
    }  # fmt: skip
    assert frame.set_index("code").loc["51", "requirements"] == 1.0


def test_where_user_support_sits(engine, ids) -> None:
    with read_session(engine) as session:
        frame = it_staff.fte_by_task(session=session).set_index("task_area")
    support = frame.loc["user_support"]
    assert (support["total"], support["central"], support["decentral"]) == (10.25, 6.0, 4.25)
    assert support["decentral_units"] == 4  # 10, 20, 32, 51
    assert frame.loc["projects", "total"] == 0.0  # every task area is listed


def test_duplicate_flags_at_the_default_threshold(engine, ids) -> None:
    with read_session(engine) as session:
        report = it_staff.duplicate_structures(session=session, threshold=0.5)
    flags = report.flags.set_index("task_area")
    # user support: 20 (1,0), 32 (0,75), 51 (2,0) – 10 has exactly 0,5 and IT/IT.1 are central.
    assert flags["units"].to_dict() == {"requirements": 2, "user_support": 3, "application_support": 2}
    assert flags.loc["user_support", "fte"] == 3.75
    assert flags.loc["user_support", "central_fte"] == 6.0
    assert "infrastructure" not in flags.index  # only the central IT runs infrastructure
    support_units = report.units[report.units["task_area"] == "user_support"]
    assert list(support_units["code"]) == ["51", "20", "32"]


def test_a_higher_threshold_leaves_fewer_flags(engine, ids) -> None:
    with read_session(engine) as session:
        report = it_staff.duplicate_structures(session=session, threshold=1.0)
    assert list(report.flags["task_area"]) == ["application_support"]  # 20 (2,0) and 51 (1,5)


def test_drill_down_to_one_dezernat(engine, ids) -> None:
    with read_session(engine) as session:
        report = it_staff.duplicate_structures(session=session, root_id=ids["Dez II"], threshold=0.5)
        tasks = it_staff.fte_by_task(session=session, root_id=ids["Dez II"]).set_index("task_area")
        units = it_staff.units_with_it_staff(session=session, root_id=ids["Dez II"])
    assert list(report.flags["task_area"]) == ["user_support"]  # 20 and 32
    assert tasks.loc["user_support", "central"] == 0.0
    assert units == 3


def test_configured_central_unit_changes_the_flags(engine, ids) -> None:
    with write_session(engine) as session:
        it_staff.set_central_it_unit(
            session=session, actor=admin(), data=CentralItChoice(unit_id=ids["51"], expected_version=0)
        )
    with read_session(engine) as session:
        report = it_staff.duplicate_structures(session=session, threshold=0.5)
    # Now IT (5,0) and IT.1 (1,0) are decentral too; 51 no longer counts.
    assert report.flags.set_index("task_area")["units"].to_dict() == {"user_support": 4}


def save(session, *cells: StaffCell, actor: str = "cdo") -> int:
    return it_staff.save_it_staff(session=session, actor=admin(actor), data=StaffCells(cells))


def cells(engine) -> dict[tuple[str, str], float]:
    with read_session(engine) as session:
        rows = session.exec(select(OrgUnit.code, ItStaff.task_area, ItStaff.fte).join(OrgUnit)).all()
    return {(code, task): fte for code, task, fte in rows}


def test_saving_cells_changes_adds_and_removes_entries_with_audit(engine, ids) -> None:
    with write_session(engine) as session:
        changed = save(
            session,
            StaffCell(ids["33"], "requirements", 1, "1,25"),
            StaffCell(ids["10"], "projects", 0, 0.5),  # no entry yet: version 0
            StaffCell(ids["32"], "application_support", 1, 0),
        )
    assert changed == 3
    now = cells(engine)
    assert now[("33", "requirements")] == 1.25
    assert now[("10", "projects")] == 0.5
    assert ("32", "application_support") not in now
    with read_session(engine) as session:
        entries = session.exec(select(AuditEntry).where(AuditEntry.entity == "it_staff")).all()
    changes = {entry.entity_id: json.loads(entry.changes)["fte"] for entry in entries}
    assert changes == {
        "33/requirements": [0.75, 1.25],
        "10/projects": [None, 0.5],
        "32/application_support": [0.25, None],
    }


def test_a_cell_changed_meanwhile_or_a_bad_value_saves_nothing(engine, ids) -> None:
    with write_session(engine) as session:  # colleagues save 33 twice: 0,75 → 0,5 → 0,75, version 3
        save(session, StaffCell(ids["33"], "requirements", 1, 0.5))
        save(session, StaffCell(ids["33"], "requirements", 2, 0.75))
    with pytest.raises(AdminError) as refused, write_session(engine) as session:
        save(
            session,
            StaffCell(
                ids["33"], "requirements", 2, 2.0
            ),  # loaded at version 2; 0,75 again is not the same save
            StaffCell(ids["10"], "projects", 0, -1),
            StaffCell(ids["20"], "user_support", 1, 3.0),
        )
    message = str(refused.value)
    assert "„33“, Anforderungsmanagement: wurde inzwischen von jemand anderem geändert" in message
    assert "„10“, Projektarbeit" in message
    assert cells(engine)[("20", "user_support")] == 1.0


def test_only_admins_edit_it_staff(engine, ids) -> None:
    with pytest.raises(PermissionError), write_session(engine) as session:
        save(session, StaffCell(ids["10"], "projects", 0, 1), actor="leitung")


def test_the_table_shows_each_cells_version_and_a_save_counts_it_up(engine, ids) -> None:
    with read_session(engine) as session:
        before = it_staff.it_staff_table(session=session).set_index("code")
    assert before.loc["33", it_staff.version_column("requirements")] == 1
    assert before.loc["10", it_staff.version_column("projects")] == 0  # no entry
    with write_session(engine) as session:
        save(session, StaffCell(ids["33"], "requirements", 1, 2.0), StaffCell(ids["10"], "projects", 0, 1))
    with read_session(engine) as session:
        after = it_staff.it_staff_table(session=session).set_index("code")
    assert after.loc["33", it_staff.version_column("requirements")] == 2
    assert after.loc["10", it_staff.version_column("projects")] == 1


def test_a_central_unit_chosen_meanwhile_is_not_overwritten(engine, ids) -> None:
    with write_session(engine) as session:
        it_staff.set_central_it_unit(
            session=session, actor=admin(), data=CentralItChoice(unit_id=ids["51"], expected_version=0)
        )
    with pytest.raises(StaleEditError), write_session(engine) as session:  # this form showed "automatisch"
        it_staff.set_central_it_unit(
            session=session, actor=admin(), data=CentralItChoice(unit_id=ids["33"], expected_version=0)
        )
    with read_session(engine) as session:
        assert it_staff.central_it_unit(session=session).code == "51"
        assert it_staff.central_it_version(session=session) == 1
    with write_session(engine) as session:
        it_staff.set_central_it_unit(
            session=session, actor=admin(), data=CentralItChoice(unit_id=ids["33"], expected_version=1)
        )
    with read_session(engine) as session:
        assert it_staff.central_it_unit(session=session).code == "33"
        assert it_staff.central_it_version(session=session) == 2
