"""Each unit's stored place in the tree (depth, path, sort key) stays what the tree says after every write.

The expected place is computed here in Python from (id, code, parent) alone and compared with the
stored columns after adding, renaming, moving, many units in one flush, an import and the demo seed.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlmodel import select

from model import demo
from model.core.db import read_session, write_session
from model.core.enums import Role, UnitKind
from model.core.tables import AppUser, OrgUnit
from model.org import paths as unit_paths
from model.org import units as org_units
from tests.conftest import ON_POSTGRES
from tests.model.test_exchange import UNIT_HEADERS, run_import, workbook_bytes
from tests.support.actors import admin

SEP = unit_paths.SORT_SEPARATOR


def expected_places(engine) -> dict[str, tuple[int, str, str]]:
    """Code → (depth, path, sort key), walked up the parents in Python."""
    with read_session(engine) as session:
        rows = session.exec(select(OrgUnit.id, OrgUnit.code, OrgUnit.parent_id)).all()
    by_id = {unit_id: (code, parent) for unit_id, code, parent in rows}
    places = {}
    for unit_id, (code, _) in by_id.items():
        chain, current = [], unit_id
        while current is not None:
            chain.append(by_id[current][0])
            current = by_id[current][1]
        chain.reverse()
        places[code] = (len(chain) - 1, unit_paths.PATH_SEPARATOR.join(chain), SEP.join(chain))
    return places


def stored_places(engine) -> dict[str, tuple[int, str, str]]:
    with read_session(engine) as session:
        rows = session.exec(select(OrgUnit.code, OrgUnit.depth, OrgUnit.path, OrgUnit.sort_key)).all()
    return {code: (depth, path, key) for code, depth, path, key in rows}


def add(engine, code: str, parent: str | None = None) -> int:
    with write_session(engine) as session:
        parent_id = None
        if parent is not None:
            parent_id = session.exec(select(OrgUnit.id).where(OrgUnit.code == parent)).one()
        unit = org_units.add_unit(
            session=session,
            actor=admin("cdo"),
            data=org_units.NewUnit(
                code=code,
                name=f"Einheit {code}",
                kind=UnitKind.AMT.value if parent else UnitKind.DEZERNAT.value,
                parent_id=parent_id,
                headcount=10,
            ),
        )
        return unit.id


def version_of(engine, unit_id: int) -> int:
    with read_session(engine) as session:
        return session.get(OrgUnit, unit_id).version


def small_tree(engine) -> dict[str, int]:
    with write_session(engine) as session:
        session.add(AppUser(username="cdo", display_name="CDO", role=Role.ADMIN.value, password_hash="x"))
    ids = {"Dez A": add(engine, "Dez A"), "Dez B": add(engine, "Dez B")}
    ids["1"] = add(engine, "1", "Dez A")
    ids["1.1"] = add(engine, "1.1", "1")
    ids["1.1.1"] = add(engine, "1.1.1", "1.1")
    ids["2"] = add(engine, "2", "Dez B")
    return ids


def test_added_units_know_their_place(engine) -> None:
    small_tree(engine)
    assert stored_places(engine) == expected_places(engine)
    assert stored_places(engine)["1.1.1"] == (3, "Dez A › 1 › 1.1 › 1.1.1", f"Dez A{SEP}1{SEP}1.1{SEP}1.1.1")


def test_a_renamed_kuerzel_changes_the_place_of_the_whole_subtree(engine) -> None:
    ids = small_tree(engine)
    with write_session(engine) as session:
        org_units.update_unit(
            session=session,
            actor=admin("cdo"),
            data=org_units.UnitEdit(
                unit_id=ids["1"],
                expected_version=version_of(engine, ids["1"]),
                code="10",
                name="Hauptamt",
                kind=UnitKind.AMT.value,
                headcount=10,
                target_pilots=None,
            ),
        )
    assert stored_places(engine) == expected_places(engine)
    assert stored_places(engine)["1.1.1"][1] == "Dez A › 10 › 1.1 › 1.1.1"


def test_a_moved_subtree_moves_with_its_unit_and_the_command_returns_the_new_place(engine) -> None:
    ids = small_tree(engine)
    with write_session(engine) as session:
        moved = org_units.move_unit(
            session=session,
            actor=admin("cdo"),
            data=org_units.UnitMove(
                unit_id=ids["1.1"], expected_version=version_of(engine, ids["1.1"]), new_parent_id=ids["2"]
            ),
        )
    assert (moved.depth, moved.path) == (2, "Dez B › 2 › 1.1")  # readable after the session closed
    assert stored_places(engine) == expected_places(engine)
    with read_session(engine) as session:
        order = org_units.unit_tree(session=session)["code"].tolist()
    assert order == ["Dez A", "1", "Dez B", "2", "1.1", "1.1.1"]


def test_many_units_in_one_flush_and_a_changed_parent_outside_the_commands(engine) -> None:
    ids = small_tree(engine)
    with write_session(engine) as session:
        for number in range(unit_paths.FULL_REFRESH_ABOVE + 10):  # more than a subtree refresh takes
            session.add(OrgUnit(code=f"N{number:03}", name="Neu", kind="amt", parent_id=ids["1.1.1"]))
        session.flush()
        session.get(OrgUnit, ids["Dez B"]).parent_id = ids["Dez A"]  # plain ORM change
    places = stored_places(engine)
    assert places == expected_places(engine)
    assert places["N007"][1] == "Dez A › 1 › 1.1 › 1.1.1 › N007"
    assert places["2"] == (2, "Dez A › Dez B › 2", f"Dez A{SEP}Dez B{SEP}2")


def test_imported_units_past_the_orm_get_their_place(engine) -> None:
    small_tree(engine)
    sheets = {
        "Organisationseinheiten": [
            UNIT_HEADERS,
            ["Dez C", "Dezernat C", "Dezernat", None, 6, None],
            ["30", "Rechtsamt", "Amt", "Dez C", 20, None],
            ["1.1", "Abteilung 1.1", "Abteilung", "30", 40, None],  # an existing unit moves
        ]
    }
    run_import(engine, [("liste.xlsx", workbook_bytes(sheets))])
    assert stored_places(engine) == expected_places(engine)
    assert stored_places(engine)["1.1.1"][1] == "Dez C › 30 › 1.1 › 1.1.1"


def test_the_demo_seed_stores_every_place_and_tree_order_is_by_code_point(engine) -> None:
    demo.seed(engine=engine)
    assert stored_places(engine) == expected_places(engine)
    with read_session(engine) as session:
        tree = org_units.unit_tree(session=session)
        first = org_units.unit_tree(session=session, limit=5)
    keys = [places[2] for places in map(stored_places(engine).get, tree["code"])]
    assert keys == sorted(keys)  # Python sorts by code point, as the stored order must (also on PostgreSQL)
    assert first["code"].tolist() == tree["code"].head(5).tolist()


def test_tree_order_ignores_the_databases_collation(engine) -> None:
    """Linguistic collations put "a" before "B" and skip spaces; the tree sorts by code point everywhere."""
    small_tree(engine)
    for code in ("b-Amt", "B Amt", "Ba", "a", "Ä"):
        add(engine, code, "Dez B")
    with read_session(engine) as session:
        order = org_units.unit_tree(session=session)["code"].tolist()
    assert order == ["Dez A", "1", "1.1", "1.1.1", "Dez B", "2", "B Amt", "Ba", "a", "b-Amt", "Ä"]


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite runs one write transaction at a time (PostgreSQL pass)")
def test_two_admins_restructuring_at_once_leave_no_stale_place(engine) -> None:
    """One moves unit 2 below 1.1 while the other renames 1 (the parent of 1.1) in a second transaction."""
    ids = small_tree(engine)
    moved = threading.Event()

    def move_and_hold() -> None:
        with write_session(engine) as session:
            session.get(OrgUnit, ids["2"]).parent_id = ids["1.1"]
            session.flush()  # refreshes 2's place (under the lock) ...
            moved.set()
            time.sleep(1.0)  # ... and commits only after the rename below has been flushed

    mover = threading.Thread(target=move_and_hold)
    mover.start()
    assert moved.wait(timeout=30)
    with write_session(engine) as session:
        session.get(OrgUnit, ids["1"]).code = "10"
        session.flush()  # without the lock this refresh would not see 2 below 1.1
    mover.join(timeout=30)

    assert stored_places(engine) == expected_places(engine)
    assert stored_places(engine)["2"][1] == "Dez A › 10 › 1.1 › 2"
