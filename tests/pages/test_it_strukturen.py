"""IT-Strukturen (AppTest): admin and leitung see heatmap, flags and user support; lotse is refused."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from model.accounts.auth import UserInfo
from model.core.db import read_session
from model.core.enums import Role
from model.core.tables import AppUser
from model.org.scope import dezernate
from tests.pages.conftest import DEMO_USERS, ROOT, log_in, new_app
from ui.navigation import USER_KEY

PAGE = "pages/it-strukturen.py"


def open_page(role: str) -> AppTest:
    at = log_in(new_app().run(), DEMO_USERS[role])
    return at.switch_page(PAGE).run()


def texts(elements: Any) -> list[str]:
    return [element.value for element in elements]


def specs(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


def marks(spec: dict[str, Any]) -> set[str]:
    found = set()
    for layer in spec.get("layer", []):
        mark = layer.get("mark")
        found.add(mark["type"] if isinstance(mark, dict) else mark)
    return found


@pytest.mark.parametrize("role", ["admin", "leitung"])
def test_allowed_roles_see_heatmap_flags_and_user_support(app_as, role) -> None:
    at = open_page(role)
    assert not at.exception
    assert texts(at.title) == ["IT-Strukturen"]
    assert any(text.startswith("Zentrale IT: 10.4 – ") for text in texts(at.text))
    assert {"Mögliche Doppelstrukturen", "Wo die Anwenderbetreuung tatsächlich sitzt"} <= set(
        texts(at.subheader)
    )
    heatmap = specs(at)[0]
    assert {"rect", "text"} <= marks(heatmap)  # every cell carries its number as text
    flags = next(frame.value for frame in at.dataframe if "Hinweis" in frame.value.columns)
    assert "Anwenderbetreuung/Support" in list(flags["Aufgabenbereich"])
    assert set(flags["Hinweis"]) == {"mögliche Doppelstruktur"}
    metric = {m.label: m.value for m in at.metric}
    assert metric["IT-Personal"].endswith(" VZÄ") and "," in metric["IT-Personal"]  # German decimal comma


def test_a_higher_threshold_clears_the_flags(app_as) -> None:
    at = open_page("leitung")
    at.selectbox(key="it_threshold").set_value(5.0).run()
    assert not at.exception
    assert any(message.startswith("Kein Aufgabenbereich") for message in texts(at.success))


def test_drill_down_to_a_dezernat_leaves_out_the_central_it(app_as) -> None:
    at = open_page("admin")
    with read_session() as session:
        dez_iii = next(option for option in dezernate(session=session) if option.code == "Dez III")
    at.sidebar.selectbox(key="filter_dez").set_value(dez_iii).run()
    assert not at.exception
    units = next(frame.value for frame in at.dataframe if "Summe VZÄ" in frame.value.columns)
    assert "10.4" not in list(units["Kürzel"])
    assert set(units["Rolle"]) == {"dezentral"}
    assert any("zentral: 0 %" in text for text in texts(at.text))


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
