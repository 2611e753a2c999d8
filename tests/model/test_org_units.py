"""Organisationseinheiten: tree reads, moves without cycles, deactivation keeps history, safe delete."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import select

from model.core import app_settings
from model.core.app_settings import SollRuleSetting
from model.core.db import read_session, write_session
from model.core.enums import PilotStage, Role, SollRule, UnitKind
from model.core.guard import AdminError, StaleEditError
from model.core.tables import AppSetting, AppUser, AuditEntry, OrgUnit, Pilot, PilotStageChange
from model.org import units as org_units
from tests.support.actors import admin


def add_user(engine, username: str, role: Role) -> None:
    with write_session(engine) as session:
        session.add(AppUser(username=username, display_name=username, role=role.value, password_hash="x"))


@pytest.fixture
def tree(engine) -> dict[str, int]:
    """Dez A → Amt 1 → Abt 1.1, Amt 2; Dez B. An admin "cdo" and a leitung account."""
    add_user(engine, "cdo", Role.ADMIN)
    add_user(engine, "leitung", Role.LEITUNG)
    ids: dict[str, int] = {}
    with write_session(engine) as session:
        for code, kind, parent, headcount in [
            ("Dez A", UnitKind.DEZERNAT, None, 5),
            ("1", UnitKind.AMT, "Dez A", 120),
            ("1.1", UnitKind.ABTEILUNG, "1", 40),
            ("2", UnitKind.AMT, "Dez A", 30),
            ("Dez B", UnitKind.DEZERNAT, None, 4),
        ]:
            unit = org_units.add_unit(
                session=session,
                actor=admin("cdo"),
                data=org_units.NewUnit(
                    code=code,
                    name=f"Einheit {code}",
                    kind=kind.value,
                    parent_id=ids.get(parent) if parent else None,
                    headcount=headcount,
                ),
            )
            ids[code] = unit.id
    return ids


def version(engine, unit_id: int) -> int:
    with read_session(engine) as session:
        return session.get(OrgUnit, unit_id).version


def audits(engine, action: str) -> list[AuditEntry]:
    with read_session(engine) as session:
        return list(
            session.exec(
                select(AuditEntry).where(AuditEntry.entity == "org_unit", AuditEntry.action == action)
            ).all()
        )


def test_tree_lists_paths_and_depths_in_tree_order(engine, tree) -> None:
    with read_session(engine) as session:
        frame = org_units.unit_tree(session=session)
    assert list(frame["code"]) == ["Dez A", "1", "1.1", "2", "Dez B"]
    assert list(frame["depth"]) == [0, 1, 2, 1, 0]
    assert frame.set_index("code").loc["1.1", "path"] == "Dez A › 1 › 1.1"
    assert frame.set_index("code").loc["1", "children"] == 1


@pytest.mark.parametrize(
    ("unit", "new_parent"), [("Dez A", "1.1"), ("1", "1"), ("Dez A", "Dez A"), ("1", "1.1")]
)
def test_move_refuses_cycles(engine, tree, unit, new_parent) -> None:
    with pytest.raises(AdminError, match="Kreis im Organigramm"), write_session(engine) as session:
        org_units.move_unit(
            session=session,
            actor=admin("cdo"),
            data=org_units.UnitMove(
                unit_id=tree[unit],
                expected_version=version(engine, tree[unit]),
                new_parent_id=tree[new_parent],
            ),
        )
    with read_session(engine) as session:
        assert session.get(OrgUnit, tree["Dez A"]).parent_id is None
        assert session.get(OrgUnit, tree["1"]).parent_id == tree["Dez A"]


def test_move_hangs_the_subtree_elsewhere_and_is_audited(engine, tree) -> None:
    with write_session(engine) as session:
        org_units.move_unit(
            session=session,
            actor=admin("cdo"),
            data=org_units.UnitMove(unit_id=tree["1"], expected_version=1, new_parent_id=tree["Dez B"]),
        )
    with read_session(engine) as session:
        frame = org_units.unit_tree(session=session).set_index("code")
    assert frame.loc["1.1", "path"] == "Dez B › 1 › 1.1"
    assert frame.loc["1", "version"] == 2
    (entry,) = audits(engine, "move")
    assert entry.actor == "cdo"
    assert json.loads(entry.changes) == {"parent_id": [tree["Dez A"], tree["Dez B"]]}


def test_a_stale_version_is_refused(engine, tree) -> None:
    with write_session(engine) as session:
        org_units.update_unit(
            session=session,
            actor=admin("cdo"),
            data=org_units.UnitEdit(
                unit_id=tree["2"],
                expected_version=1,
                code="2",
                name="Amt für Neues",
                kind="amt",
                headcount=30,
                target_pilots=None,
            ),
        )
    with (
        pytest.raises(StaleEditError, match="inzwischen von jemand anderem"),
        write_session(engine) as session,
    ):
        org_units.update_unit(
            session=session,
            actor=admin("cdo"),
            data=org_units.UnitEdit(
                unit_id=tree["2"],
                expected_version=1,
                code="2",
                name="Amt für Altes",
                kind="amt",
                headcount=30,
                target_pilots=None,
            ),
        )
    with read_session(engine) as session:
        assert session.get(OrgUnit, tree["2"]).name == "Amt für Neues"


def test_rename_records_old_and_new(engine, tree) -> None:
    with write_session(engine) as session:
        org_units.update_unit(
            session=session,
            actor=admin("cdo"),
            data=org_units.UnitEdit(
                unit_id=tree["2"],
                expected_version=1,
                code="2",
                name="Ordnungsamt",
                kind="amt",
                headcount=30,
                target_pilots=None,
            ),
        )
    (entry,) = audits(engine, "update")
    assert json.loads(entry.changes) == {"name": ["Einheit 2", "Ordnungsamt"]}


def _add_history(engine, unit_id: int) -> None:
    """A Lotse who has left, with the stage changes of their time in the unit."""
    with write_session(engine) as session:
        pilot = Pilot(
            name="Erika Muster",
            email="erika@example.org",
            unit_id=unit_id,
            stage=PilotStage.LEFT.value,
            stage_since=date(2026, 3, 1),
        )
        session.add(pilot)
        session.flush()
        session.add(
            PilotStageChange(
                pilot_id=pilot.id,
                unit_id=unit_id,
                from_stage=None,
                to_stage=PilotStage.NOMINATED.value,
                changed_on=date(2025, 9, 1),
            )
        )


def test_deactivate_keeps_history(engine, tree) -> None:
    _add_history(engine, tree["2"])
    with write_session(engine) as session:
        org_units.deactivate_unit(
            session=session,
            actor=admin("cdo"),
            data=org_units.UnitVersion(unit_id=tree["2"], expected_version=1),
        )
    with read_session(engine) as session:
        unit = session.get(OrgUnit, tree["2"])
        assert unit is not None and not unit.active
        assert session.exec(select(Pilot).where(Pilot.unit_id == tree["2"])).one().name == "Erika Muster"
        assert len(session.exec(select(PilotStageChange)).all()) == 1
        assert not bool(org_units.unit_tree(session=session).set_index("code").loc["2", "active"])
    (entry,) = audits(engine, "deactivate")
    assert json.loads(entry.changes) == {"active": [True, False]}


def test_deactivate_refused_while_active_sub_units_or_current_lotsen_exist(engine, tree) -> None:
    with pytest.raises(AdminError, match="aktive Untereinheit"), write_session(engine) as session:
        org_units.deactivate_unit(
            session=session,
            actor=admin("cdo"),
            data=org_units.UnitVersion(unit_id=tree["1"], expected_version=1),
        )
    with write_session(engine) as session:
        session.add(
            Pilot(
                name="Max Aktiv",
                email="max@example.org",
                unit_id=tree["1.1"],
                stage=PilotStage.ACTIVE.value,
                stage_since=date(2026, 1, 1),
            )
        )
    with pytest.raises(AdminError, match="1 Lotsinnen/Lotsen"), write_session(engine) as session:
        org_units.deactivate_unit(
            session=session,
            actor=admin("cdo"),
            data=org_units.UnitVersion(unit_id=tree["1.1"], expected_version=1),
        )


def test_delete_refused_with_history_and_explained(engine, tree) -> None:
    _add_history(engine, tree["2"])
    with pytest.raises(AdminError) as refused, write_session(engine) as session:
        org_units.delete_unit(
            session=session,
            actor=admin("cdo"),
            data=org_units.UnitVersion(unit_id=tree["2"], expected_version=1),
        )
    message = str(refused.value)
    assert "1 Lotsinnen und Lotsen" in message
    assert "1 Stufenwechsel in der Historie" in message
    assert "Deaktivieren Sie die Einheit stattdessen" in message
    with read_session(engine) as session:
        assert session.get(OrgUnit, tree["2"]) is not None


def test_delete_refused_for_a_unit_with_sub_units(engine, tree) -> None:
    with pytest.raises(AdminError, match="1 Untereinheiten"), write_session(engine) as session:
        org_units.delete_unit(
            session=session,
            actor=admin("cdo"),
            data=org_units.UnitVersion(unit_id=tree["1"], expected_version=1),
        )


def test_delete_of_an_unreferenced_unit_is_audited(engine, tree) -> None:
    with write_session(engine) as session:
        org_units.delete_unit(
            session=session,
            actor=admin("cdo"),
            data=org_units.UnitVersion(unit_id=tree["Dez B"], expected_version=1),
        )
    with read_session(engine) as session:
        assert session.get(OrgUnit, tree["Dez B"]) is None
    (entry,) = audits(engine, "delete")
    assert json.loads(entry.changes)["code"] == ["Dez B", None]


def test_only_admins_may_change_units(engine, tree) -> None:
    with pytest.raises(PermissionError, match="Nur das CDO-Büro"), write_session(engine) as session:
        org_units.add_unit(
            session=session,
            actor=admin("leitung"),
            data=org_units.NewUnit(code="3", name="Amt 3", kind="amt", parent_id=None),
        )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"code": "1"}, "schon vergeben"),
        ({"name": ""}, "Bitte einen Wert"),
        ({"name": "x" * 201}, "höchstens 200 Zeichen"),
        ({"headcount": -1}, "von 0 bis"),
        ({"headcount": "viele"}, "keine Zahl"),
        ({"target_pilots": 2.5}, "ganze Zahl"),
        ({"kind": "referat"}, "vorgegebenen Arten"),
    ],
)
def test_bad_input_is_refused_in_german(engine, tree, changes, message) -> None:
    values = {
        "code": "2",
        "name": "Einheit 2",
        "kind": "amt",
        "headcount": 30,
        "target_pilots": None,
    } | changes
    with pytest.raises(AdminError, match=message), write_session(engine) as session:
        org_units.update_unit(
            session=session,
            actor=admin("cdo"),
            data=org_units.UnitEdit(unit_id=tree["2"], expected_version=1, **values),
        )


def test_soll_rule_and_explicit_override(engine, tree) -> None:
    with write_session(engine) as session:
        org_units.change_soll_rule(
            session=session,
            actor=admin("cdo"),
            data=org_units.SollRuleEdit(rule=SollRule.PER_HEADCOUNT.value, per_n=50, expected_version=0),
        )
        org_units.update_unit(
            session=session,
            actor=admin("cdo"),
            data=org_units.UnitEdit(
                unit_id=tree["2"],
                expected_version=1,
                code="2",
                name="Einheit 2",
                kind="amt",
                headcount=30,
                target_pilots=4,
            ),
        )
    with read_session(engine) as session:
        soll = org_units.unit_tree(session=session).set_index("code")["soll"]
    assert soll["1"] == 3  # 120 Beschäftigte, 1 per 50 → 3
    assert soll["1.1"] == 1
    assert soll["2"] == 4  # explicit Soll wins over the rule
    assert soll["Dez A"] == 0  # Dezernate are containers


def test_a_soll_rule_changed_by_someone_else_since_the_form_showed_it_is_refused(engine, tree) -> None:
    shown = 0  # both forms showed the default, 1 per unit: no setting stored, version 0
    with write_session(engine) as session:
        org_units.change_soll_rule(
            session=session,
            actor=admin("cdo"),
            data=org_units.SollRuleEdit(rule="per_headcount", per_n=50, expected_version=shown),
        )
    with (
        pytest.raises(StaleEditError, match="Die Soll-Lotsen-Regel wurde inzwischen von jemand anderem"),
        write_session(engine) as session,
    ):
        org_units.change_soll_rule(
            session=session,
            actor=admin("cdo"),
            data=org_units.SollRuleEdit(rule="per_unit", per_n=200, expected_version=shown),
        )
    with read_session(engine) as session:
        assert app_settings.soll_rule(session=session) == SollRuleSetting(SollRule.PER_HEADCOUNT, 50)
        audited = session.exec(select(AuditEntry).where(AuditEntry.entity == "app_setting")).all()
    assert len(audited) == 1
    with read_session(engine) as session:
        assert org_units.soll_rule_version(session=session) == 1


def test_a_setting_first_stored_by_two_admins_at_once_refuses_the_later(engine, tree, monkeypatch) -> None:
    """On PostgreSQL there is no row to lock before the first save; the later insert fails."""
    with write_session(engine) as session:
        org_units.change_soll_rule(
            session=session,
            actor=admin("cdo"),
            data=org_units.SollRuleEdit(rule="per_headcount", per_n=50, expected_version=0),
        )
    with write_session(engine) as session:
        original = session.get
        # This transaction read the setting before the other one stored it.
        monkeypatch.setattr(
            session,
            "get",
            lambda model, key, **kw: None if model is AppSetting else original(model, key, **kw),
        )
        with pytest.raises(StaleEditError, match="Die Soll-Lotsen-Regel"):
            app_settings.store(session=session, key="soll_rule", value="{}", what="Die Soll-Lotsen-Regel")
    with read_session(engine) as session:
        assert app_settings.soll_rule(session=session) == SollRuleSetting(SollRule.PER_HEADCOUNT, 50)
