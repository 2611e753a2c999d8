"""Every place where ui/ reaches past Streamlit's public API, in one module that says why.

Streamlit 1.67 has no public API for these, so they rest on its internals; tests/ui/test_streamlit_seam.py
fails the day one of them changes or is no longer needed. gateway/ keeps its own few (media storage,
the wire protocol), documented there.

The legacy pages/ mode: PRODUCT.md fixes the folder name `pages/`, and a main script with a pages/
folder beside it starts in Streamlit's legacy multipage mode. Until the first `st.navigation` call of
a process, Streamlit then runs app.py inside its wrapper `_mpa_v1` (where widgets get other ids than
in every later run) and would run pages/<path>.py for a deep link directly, without the login gate.
ui/navigation.py leaves that mode with the functions below.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from streamlit import runtime
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner_utils.script_run_context import ThreadState, get_script_run_ctx


def in_legacy_pages_mode() -> bool:
    """The process is still in the legacy pages/ mode (no st.navigation call yet)."""
    return bool(PagesManager.uses_pages_directory)


def inside_legacy_wrapper() -> bool:
    """This run executes app.py as a page of the legacy wrapper, not as the main script.

    Asked per run: concurrent first sessions after a restart each run inside the wrapper, though the
    first of them to call st.navigation already ended the process-wide mode.
    """
    ctx = get_script_run_ctx()
    return ctx is not None and ThreadState.get().active_script_hash != ctx.pages_manager.main_script_hash


def end_legacy_pages_mode() -> None:
    """What st.navigation does on its first call: later runs execute app.py as the main script."""
    PagesManager.uses_pages_directory = False


@contextmanager
def without_legacy_pages_mode() -> Iterator[None]:
    """For AppTest and the bench: AppTest forgets before every run that app.py uses st.navigation.

    It resets the process-wide mode for each new app; a server learns it once. Without this every
    in-process run would start in the legacy mode and bounce once through app.py.
    """
    original = PagesManager.__init__

    def init(self: PagesManager, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        end_legacy_pages_mode()

    PagesManager.__init__ = init  # type: ignore[method-assign]
    try:
        yield
    finally:
        PagesManager.__init__ = original  # type: ignore[method-assign]


def session_id() -> str | None:
    """The id of the browser session of this script run (None outside a run)."""
    ctx = get_script_run_ctx()
    return None if ctx is None else ctx.session_id


def active_session_test() -> Callable[[str], bool] | None:
    """Streamlit's own answer to "is this session still open?" (None without a running server)."""
    return runtime.get_instance().is_active_session if runtime.exists() else None


def forget_uploaded_files(file_ids: Iterable[str]) -> None:
    """Drop an uploader's files from the server's memory now.

    Streamlit keeps them for the whole session, also after the widget is gone; its in-memory
    manager (the one a server uses) can remove them one by one.
    """
    ctx = get_script_run_ctx()
    if ctx is not None and isinstance(ctx.uploaded_file_mgr, MemoryUploadedFileManager):
        for file_id in file_ids:
            ctx.uploaded_file_mgr.remove_file(session_id=ctx.session_id, file_id=file_id)
