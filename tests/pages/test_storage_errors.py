"""A full disk or a read-only database reaches the user as a calm German reason, never a traceback."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.pages.conftest import unescaped


def _page_whose_write_fails(path: str) -> None:
    import streamlit as st

    from model.core.db import READ_ONLY, StorageError
    from ui import commands
    from ui.errors import error_boundary

    def save(*, session) -> None:  # type: ignore[no-untyped-def]
        raise StorageError(READ_ONLY)

    if path == "form":  # a form that saves through ui.commands keeps what was typed
        st.text_input("Name", key="name")
        commands.run("area", save, success="Gespeichert.")
    else:  # any other write ends in the page's error boundary
        with error_boundary("seite"):
            st.write("Vorher gezeichnet")
            save(session=None)


def test_a_form_shows_the_reason_beside_it() -> None:
    at = AppTest.from_function(_page_whose_write_fails, args=("form",)).run()
    assert not at.exception
    (error,) = [unescaped(e.value) for e in at.error]
    assert error.startswith("Nicht gespeichert: Die Datenbank ist schreibgeschützt")
    assert "Fehlernummer" not in error


def test_a_page_shows_the_reason_without_a_reference_number() -> None:
    at = AppTest.from_function(_page_whose_write_fails, args=("seite",)).run()
    assert not at.exception
    assert [m.value for m in at.markdown] == ["Vorher gezeichnet"]
    (error,) = [e.value for e in at.error]
    assert "schreibgeschützt" in error and "Alles bisher Gespeicherte ist unverändert" in error
    assert "Fehlernummer" not in error
