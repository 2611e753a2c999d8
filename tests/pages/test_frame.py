"""The frame: login gate, German messages, menu per role, demo marker, logout."""

from __future__ import annotations

import pytest

from model.accounts import auth as auth_store
from model.core.db import write_session
from model.core.enums import Role
from tests.pages.conftest import DEMO_USERS, log_in, new_app
from ui.navigation import PAGES, pages_for


def test_login_form_is_german_and_shows_no_data(demo_database) -> None:
    at = new_app().run()
    assert not at.exception
    assert [field.label for field in at.text_input] == ["Benutzername", "Passwort"]
    assert any(button.label == "Anmelden" for button in at.button)
    assert not at.metric


def test_wrong_password_gets_a_german_message_and_no_data(demo_database) -> None:
    at = log_in(new_app().run(), "cdo", "falsches-passwort-123")
    assert [error.value for error in at.error] == ["Benutzername oder Passwort ist nicht korrekt."]
    assert not at.metric


@pytest.mark.parametrize("role", list(DEMO_USERS))
def test_each_role_logs_in_and_sees_its_frame(app_as, role) -> None:
    at = app_as(role)
    assert not at.exception
    assert at.title[0].value == "Übersicht"
    sidebar_texts = [text.value for text in at.sidebar.text]
    assert any(text.startswith("Angemeldet: ") for text in sidebar_texts)
    assert any(button.label == "Abmelden" for button in at.sidebar.button)
    assert any("Demo-Daten" in info.value for info in at.info)


def test_menus_follow_the_product_roles() -> None:
    everyone = {spec.path for spec in PAGES if spec.roles == frozenset(Role)}
    assert "uebersicht" in everyone
    for role in Role:
        paths = [spec.path for spec in pages_for(role)]
        assert paths[0] == "uebersicht"
        assert set(paths) >= everyone


def test_logout_returns_to_the_login_form(app_as) -> None:
    at = app_as("leitung")
    next(button for button in at.sidebar.button if button.label == "Abmelden").click()
    at.run()
    assert not at.exception
    assert [field.label for field in at.text_input] == ["Benutzername", "Passwort"]
    assert not at.metric


def test_a_session_revoked_elsewhere_ends_with_a_german_notice_and_the_login_form(app_as) -> None:
    at = app_as("leitung")
    with write_session() as session:  # e.g. a password reset by the CDO-Büro
        auth_store.revoke_sessions(session=session, username="leitung", actor="cdo", reason="revoke")
    at.run()
    assert not at.exception
    assert [warning.value for warning in at.warning] == [
        "Ihre Sitzung ist nicht mehr gültig. Bitte melden Sie sich erneut an."
    ]
    assert [field.label for field in at.text_input] == ["Benutzername", "Passwort"]
    assert not at.metric and not at.sidebar.button


def _logged(caplog):  # type: ignore[no-untyped-def]
    """Records of ui.errors' logger (it writes to stderr itself and does not propagate)."""
    from ui.errors import LOG

    LOG.addHandler(caplog.handler)
    return LOG


@pytest.mark.parametrize(
    ("path", "page"),
    [("rollout", "rollout"), ("praesentation", "praesentation"), ("praesentation-folie", "praesentation")],
)
def test_a_fault_in_a_page_shows_a_german_message_with_a_reference_and_logs_the_traceback(
    demo_database, monkeypatch, caplog, path, page
) -> None:
    import re

    from tests.pages.test_uebersicht import open_page

    logger = _logged(caplog)
    monkeypatch.setenv("LOTSEN_TEST_FAULT", path)
    try:
        at = open_page("admin", f"pages/{page}.py")
    finally:
        logger.removeHandler(caplog.handler)

    assert not at.exception  # nothing reaches the browser as an exception
    errors = [e.value for e in at.error if "unerwarteter Fehler" in e.value]
    (error,) = errors
    reference = re.search(r"F-[2-9A-HJ-NP-Z]{6}", error)
    assert reference is not None and "Traceback" not in error
    (record,) = [r for r in caplog.records if reference.group(0) in r.getMessage()]
    assert record.exc_info is not None and record.exc_info[0].__name__ == "InjectedFault"
    assert [spec.path for spec in pages_for(Role.ADMIN)]  # the menu is still drawn
    assert at.sidebar.button  # with its logout button
