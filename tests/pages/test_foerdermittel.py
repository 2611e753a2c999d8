"""Fördermittel (AppTest): deadlines, pipeline, totals and linked measures for admin and leitung;
an overdue deadline is said in words; lotse is refused."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from model.accounts.auth import UserInfo
from model.core import clock
from model.core.db import read_session, write_session
from model.core.enums import Role
from model.core.tables import AppUser, FundingProgramme
from tests.pages.conftest import DEMO_USERS, ROOT, log_in, new_app
from tests.pages.test_verwaltung import own_demo, pristine_demo  # noqa: F401 (fixtures used below)
from ui.navigation import USER_KEY

PAGE = "pages/foerdermittel.py"


def open_page(role: str) -> AppTest:
    at = log_in(new_app().run(), DEMO_USERS[role])
    return at.switch_page(PAGE).run()


def texts(elements: Any) -> list[str]:
    return [element.value for element in elements]


def table(at: AppTest, column: str):  # type: ignore[no-untyped-def]
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)


@pytest.mark.parametrize("role", ["admin", "leitung"])
def test_allowed_roles_see_deadlines_pipeline_totals_and_measures(app_as, role) -> None:
    at = open_page(role)
    assert not at.exception
    assert texts(at.title) == ["Fördermittel"]
    metric = {m.label: m.value for m in at.metric}
    assert metric["Beantragt"].endswith(" €") and "." in metric["Beantragt"]  # 3.252.000 €
    assert set(metric) >= {"Bewilligt", "Noch in Prüfung", "Bewilligungsquote"}
    programmes = table(at, "Fristlage")
    assert "EFRE Smart City" in list(programmes["Förderprogramm"])
    assert programmes["Frist"].str.match(r"^(\d{2}\.\d{2}\.\d{4}|–)$").all()
    pipeline = json.loads(at.get("vega_lite_chart")[1].proto.spec)
    assert pipeline["layer"][1]["mark"]["type"] == "text"  # amounts written beside the bars
    assert len(at.get("vega_lite_chart")) == 2
    measures = table(at, "Maßnahme")
    assert len(measures) >= 1
    assert not any("Lotse" in column for column in measures.columns)  # no personal data


@pytest.fixture
def copy(request):  # type: ignore[no-untyped-def]
    """A private copy of the demo database (writes here touch no other test)."""
    return request.getfixturevalue("own_demo")


def test_next_deadlines_come_first_and_overdue_is_said_in_words(copy) -> None:
    today = clock.today()
    with write_session(copy) as session:
        session.add(
            FundingProgramme(
                name="Verpasster Aufruf",
                donor="land",
                status="identified",
                deadline=today - timedelta(days=3),
            )
        )
        session.add(
            FundingProgramme(
                name="Eiliger Aufruf", donor="bund", status="identified", deadline=today + timedelta(days=2)
            )
        )
    at = open_page("leitung")
    programmes = table(at, "Fristlage")
    assert programmes.iloc[0]["Förderprogramm"] == "Eiliger Aufruf"
    assert programmes.iloc[0]["Fristlage"] == "noch 2 Tage"
    overdue = programmes[programmes["Förderprogramm"] == "Verpasster Aufruf"].iloc[0]
    assert overdue["Fristlage"] == "überfällig seit 3 Tagen"
    assert any("1 überfällig" in text for text in texts(at.text))
    timeline = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    shapes = next(layer for layer in timeline["layer"] if layer.get("mark", {}).get("type") == "point")
    assert "shape" in shapes["encoding"]  # the state is a shape too, not only a colour


def test_lotse_is_refused(app_as) -> None:
    at = log_in(new_app().run(), DEMO_USERS["lotse"])
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)
    with read_session() as session:
        account = session.exec(select(AppUser).where(AppUser.username == "lotse")).one()
    direct = AppTest.from_file(str(ROOT / PAGE), default_timeout=60)
    direct.session_state[USER_KEY] = UserInfo(
        id=account.id, username="lotse", display_name="x", role=Role.LOTSE, pilot_id=account.pilot_id
    )
    direct.run()
    assert texts(direct.title) == ["Kein Zugriff"]
    assert not direct.metric and not direct.dataframe
