"""AppTest fixtures: one demo database per test session, and a logged-in app per role."""

from __future__ import annotations

import os
import re
import secrets
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from model import demo
from model.core.db import dispose_engines, make_engine
from model.core.migrate import migrate
from tests.support import pg_server
from ui import streamlit_seam

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
DEMO_USERS = {"admin": "cdo", "leitung": "leitung", "lotse": "lotse"}


@pytest.fixture(autouse=True)
def navigation_mode() -> Iterator[None]:
    """AppTest forgets before every run that app.py uses st.navigation; a server learns it once.

    Without this, every AppTest run would start in Streamlit's legacy pages/ folder mode, whose
    one-off bounce (ui.navigation.leave_legacy_pages_mode) would drop the submitted widget values.
    The bounce itself is covered by a browser test on a fresh server.
    """
    with streamlit_seam.without_legacy_pages_mode():
        yield


@pytest.fixture(scope="session")
def demo_database(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[str]:
    """A demo-seeded database; DATABASE_URL and a cookie key point the app at it.

    A SQLite file, or with LOTSEN_TEST_DB=postgres a database on the throwaway PostgreSQL server.
    """
    if pg_server.requested():
        url = request.getfixturevalue("postgres_server").create_database("demo")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('pages') / 'demo.db'}"
    engine = make_engine(url)
    migrate(engine)
    demo.seed(engine=engine, scale="demo")
    engine.dispose()
    saved = {key: os.environ.get(key) for key in ("DATABASE_URL", "LOTSEN_COOKIE_KEY")}
    os.environ["DATABASE_URL"] = url
    os.environ["LOTSEN_COOKIE_KEY"] = secrets.token_urlsafe(48)
    yield url
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    dispose_engines()


def unescaped(text: str) -> str:
    """Text as the browser shows it: the pages escape Markdown in user text with backslashes
    (and invisible word joiners, spaces opening a line as character references)."""
    indented = re.sub(r"(?<!\\)&#(32|9);", lambda space: chr(int(space.group(1))), text)
    return re.sub(r"\\(.)", r"\1", indented).replace("\u2060", "")


def table_value(table) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """An st.table's frame as the browser shows it (cells and headers unescaped)."""
    frame = table.value.map(lambda value: unescaped(value) if isinstance(value, str) else value)
    frame.columns = [unescaped(column) if isinstance(column, str) else column for column in frame.columns]
    return frame


def new_app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60)


def log_in(at: AppTest, username: str, password: str = demo.DEMO_PASSWORD) -> AppTest:
    """Fill and submit the login form (all fields, then the button, then one run)."""
    inputs = {field.label: field for field in at.text_input}
    inputs["Benutzername"].input(username)
    inputs["Passwort"].input(password)
    next(button for button in at.button if button.label == "Anmelden").click()
    return at.run()


@pytest.fixture
def app_as(demo_database) -> Callable[[str], AppTest]:
    """app_as("admin") → an AppTest logged in as that role's demo account, on the default page."""

    def _open(role: str) -> AppTest:
        at = new_app()
        at.run()
        return log_in(at, DEMO_USERS[role])

    return _open


def private_demo_copy(demo_database: str, target: Path) -> Iterator[Engine]:
    """A private copy of the session's SQLite demo database as the app's database, for a test that
    writes; afterwards the shared demo database again. Cached reads are cleared at both ends."""
    with sqlite3.connect(demo_database.removeprefix("sqlite:///")) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    url = f"sqlite:///{target}"
    os.environ["DATABASE_URL"] = url
    st.cache_data.clear()
    engine = make_engine(url)
    yield engine
    engine.dispose()
    dispose_engines()
    os.environ["DATABASE_URL"] = demo_database
    st.cache_data.clear()
