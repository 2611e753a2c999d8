"""Verwaltung → Sicherung: a crafted backup uploaded by the CDO is refused with the German reason."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from model.core import backup
from model.core.db import read_session
from model.core.tables import AppUser, AuditEntry
from tests.model.test_restore import HIDE_LOTSE, PROMOTE_LOTSE
from tests.pages.conftest import DEMO_USERS, log_in, new_app, private_demo_copy

pytestmark = pytest.mark.sqlite_only(reason="restores a SQLite file")


@pytest.fixture
def own_demo(demo_database, tmp_path) -> Iterator[Engine]:
    """A private copy of the session's demo database (the restore touches no other test)."""
    yield from private_demo_copy(demo_database, tmp_path / "restore.db")


def test_a_backup_with_a_backdoor_trigger_is_refused_in_the_ui_and_nothing_changes(
    own_demo, tmp_path
) -> None:
    path = backup.backup_to(engine=own_demo, path=tmp_path / "stand.db")
    with sqlite3.connect(path) as connection:
        connection.executescript(PROMOTE_LOTSE + ";" + HIDE_LOTSE)
    with read_session(own_demo) as session:
        audit_rows = len(session.exec(select(AuditEntry.id)).all())

    at = log_in(new_app().run(), DEMO_USERS["admin"])
    at.switch_page("pages/verwaltung.py")
    at.session_state["reiter"] = "Sicherung"
    at.run()
    at.file_uploader[0].set_value(("stand.db", path.read_bytes(), "application/octet-stream"))
    at.checkbox[0].check()
    next(button for button in at.button if button.label == "Sicherung wiederherstellen").click()
    at.run()

    assert not at.exception
    (error,) = [e.value for e in at.error]
    assert "wird nicht eingespielt" in error and "Trigger" in error and "Es wurde nichts verändert" in error
    assert not at.success
    with read_session(own_demo) as session:
        assert session.exec(select(AppUser.role).where(AppUser.username == "lotse")).one() == "lotse"
        assert len(session.exec(select(AuditEntry.id)).all()) == audit_rows
    assert not (tmp_path / "backups").exists()
