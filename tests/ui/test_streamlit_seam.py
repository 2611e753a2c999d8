"""ui/streamlit_seam.py: the Streamlit internals ui/ relies on still behave as the seam says.

The first test fails the day Streamlit no longer starts an app with a pages/ folder in its legacy
mode: then the protection in ui/navigation.py and the seam's legacy functions can go.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import script_runner
from streamlit.testing.v1 import AppTest

from ui import streamlit_seam

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import streamlit as st
from ui import streamlit_seam
st.write(f"wrapper={streamlit_seam.inside_legacy_wrapper()} mode={streamlit_seam.in_legacy_pages_mode()}")
"""


def test_streamlit_still_starts_an_app_with_a_pages_folder_in_its_legacy_mode(monkeypatch) -> None:
    monkeypatch.setattr(PagesManager, "uses_pages_directory", None)  # a fresh process
    PagesManager(str(ROOT / "app.py"))
    assert PagesManager.uses_pages_directory is True, "Streamlit no longer has the legacy pages/ mode"
    assert callable(getattr(script_runner, "_mpa_v1", None)), "the legacy wrapper is gone"


@pytest.fixture
def probe_app(tmp_path: Path) -> str:
    """A main script with a pages/ folder beside it that reports what the seam sees."""
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "other.py").write_text("import streamlit as st\nst.write('other')\n")
    main = tmp_path / "main.py"
    main.write_text(textwrap.dedent(PROBE))
    return str(main)


def test_a_first_run_is_recognised_as_inside_the_legacy_wrapper(probe_app: str) -> None:
    app = AppTest.from_file(probe_app).run()
    assert not app.exception
    assert [m.value for m in app.markdown] == ["wrapper=True mode=True"]


def test_once_the_mode_is_left_app_runs_as_the_main_script(probe_app: str) -> None:
    with streamlit_seam.without_legacy_pages_mode():
        app = AppTest.from_file(probe_app).run()
    assert not app.exception
    assert [m.value for m in app.markdown] == ["wrapper=False mode=False"]


def test_no_stack_walk_and_no_streamlit_attribute_assigned_outside_the_seams() -> None:
    """ui/streamlit_seam.py for ui/, gateway/ documents its own; tests patch only through the seam."""
    assignment = re.compile(
        r"_get[f]rame|^\s*(st|streamlit|runtime|PagesManager|stauth|streamlit_authenticator)\.[\w.]+\s*=[^=]"
        r"|setattr\((st|streamlit|runtime|PagesManager)\b"
    )
    seam = ROOT / "ui" / "streamlit_seam.py"
    places = [ROOT / "app.py", ROOT / "serve.py", ROOT / "manage.py"]
    places += [
        p
        for folder in ("model", "ui", "pages", "gateway", "bench", "scripts")
        for p in (ROOT / folder).rglob("*.py")
    ]
    places += [p for p in (ROOT / "tests").rglob("*.py") if p.name != Path(__file__).name]
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in places
        if path != seam
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if assignment.search(line)
    ]
    assert found == []
