"""The page registry: URL paths, German titles and the roles that may open each page."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import streamlit as st

from model.accounts.auth import UserInfo
from model.core.enums import Role
from model.core.settings import ROOT
from ui import streamlit_seam

ALL_ROLES = frozenset(Role)
LEGACY_RERUN_KEY = "lc_legacy_rerun"
_run = threading.local()  # in_frame: this script run went through app.py


# Each page file is named like its URL path (pages/<path>.py); see leave_legacy_pages_mode().
@dataclass(frozen=True)
class PageSpec:
    path: str
    title: str
    file: str
    roles: frozenset[Role]


ADMIN = frozenset({Role.ADMIN})
ADMIN_LEITUNG = frozenset({Role.ADMIN, Role.LEITUNG})

# PRODUCT.md fixes the paths, titles and roles; the menu order follows the weekly journey.
PAGES: tuple[PageSpec, ...] = (
    PageSpec("uebersicht", "Übersicht", "pages/uebersicht.py", ALL_ROLES),
    PageSpec("mein-status", "Mein Status", "pages/mein-status.py", frozenset({Role.LOTSE})),
    PageSpec("rollout", "Rollout", "pages/rollout.py", ALL_ROLES),
    PageSpec("abdeckung", "Abdeckung", "pages/abdeckung.py", ALL_ROLES),
    PageSpec("roadmap", "Roadmap", "pages/roadmap.py", ALL_ROLES),
    PageSpec("lotsen", "Lotsen & Qualifizierung", "pages/lotsen.py", ADMIN),
    PageSpec("it-strukturen", "IT-Strukturen", "pages/it-strukturen.py", ADMIN_LEITUNG),
    PageSpec("foerdermittel", "Fördermittel", "pages/foerdermittel.py", ADMIN_LEITUNG),
    PageSpec("praesentation", "Präsentation", "pages/praesentation.py", ADMIN_LEITUNG),
    PageSpec("verwaltung", "Verwaltung", "pages/verwaltung.py", ADMIN),
)
DEFAULT_PATH = "uebersicht"
USER_KEY = "lc_user"


def spec_for(path: str) -> PageSpec:
    return next(spec for spec in PAGES if spec.path == path)


def available(spec: PageSpec) -> bool:
    """A page is offered only once its file exists: the menu never shows a placeholder."""
    return (ROOT / spec.file).exists()


def pages_for(role: Role) -> list[PageSpec]:
    """The pages `role` may open, in menu order."""
    return [spec for spec in PAGES if role in spec.roles and available(spec)]


def _no_access() -> None:
    st.title("Kein Zugriff")
    st.error("Sie haben keinen Zugriff auf diese Seite. Bitte wählen Sie eine Seite aus dem Menü.")


def build_navigation(user: UserInfo) -> st.navigation:  # type: ignore[valid-type]
    """st.navigation with the user's pages; a forbidden page's URL leads to "Kein Zugriff"."""
    pages = [
        st.Page(
            str(ROOT / spec.file),
            title=spec.title,
            url_path=spec.path,
            default=spec.path == DEFAULT_PATH,
        )
        for spec in pages_for(user.role)
    ]
    pages += [
        st.Page(_no_access, title="Kein Zugriff", url_path=spec.path, visibility="hidden")
        for spec in PAGES
        if user.role not in spec.roles and available(spec)
    ]
    return st.navigation(pages, position="sidebar")


def _signing_in() -> None:
    """Nothing to draw: the login form above is the whole screen."""


def build_login_navigation() -> None:
    """Before login every page URL is known but hidden, so a deep link survives the login."""
    st.navigation(
        [
            st.Page(
                _signing_in,
                title="Anmeldung",
                url_path=spec.path,
                default=spec.path == DEFAULT_PATH,
                visibility="hidden",
            )
            for spec in PAGES
        ],
        position="hidden",
    )


@contextmanager
def app_frame() -> Iterator[None]:
    """Marks this script run as one that went through app.py (login gate, navigation, sidebar).

    A thread-local flag, not a process-wide one: each session's run has its own script thread.
    """
    _run.in_frame = True
    try:
        yield
    finally:
        _run.in_frame = False


def leave_legacy_app_run() -> None:
    """The first run of a server's life: rerun at once, before any widget is drawn.

    Until the first st.navigation call of a process, Streamlit runs app.py inside its legacy pages/
    wrapper, and widgets drawn there get other ids than in every later run: the login form of the
    first session after a restart dropped its first submit (scripts/first_render.py showed it).
    Recognised per run (see ui/streamlit_seam.py), so that concurrent first sessions each get it;
    the process-wide flag alone would only tell the first of them.
    """
    if streamlit_seam.in_legacy_pages_mode() or streamlit_seam.inside_legacy_wrapper():
        streamlit_seam.end_legacy_pages_mode()
        st.rerun()


def leave_legacy_pages_mode() -> None:
    """Never let a page file run without app.py around it.

    Until the first st.navigation call of a process, Streamlit treats pages/ as a legacy multipage
    folder and runs pages/<path>.py for a deep link directly, i.e. without the login gate. Such a
    run (recognised per run, so concurrent first sessions after a restart each get it right) leaves
    that mode and reruns through app.py; should the rerun still not go through app.py, the page
    refuses instead of rendering.
    """
    if getattr(_run, "in_frame", False):
        st.session_state.pop(LEGACY_RERUN_KEY, None)
        return
    streamlit_seam.end_legacy_pages_mode()
    if st.session_state.pop(LEGACY_RERUN_KEY, False):
        _no_access()
        st.stop()
    st.session_state[LEGACY_RERUN_KEY] = True
    st.rerun()


def current_user(path: str) -> UserInfo:
    """The logged-in user of this page run; stops the run with "Kein Zugriff" if the role may not."""
    leave_legacy_pages_mode()
    user: UserInfo | None = st.session_state.get(USER_KEY)
    if user is None or user.role not in spec_for(path).roles:
        _no_access()
        st.stop()
    return user
