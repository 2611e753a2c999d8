"""After a write: fresh data, a form that starts empty, and a confirmation where the user looks.

A browser keeps what a form showed until its widgets are replaced: clearing their session keys
does not empty them. So a form that creates something draws its widgets under keys with a round
number (`FormRound`), and `done()` moves to the next round, which draws new, empty widgets. The
confirmation stays beside the form after the rerun and also appears as a toast in the top right
corner of the viewport, so it is seen on a phone scrolled far down the page as well.

A message is shown in every run for SHOWN_FOR seconds after the write, not only in the next one:
a second tap makes Streamlit stop the run that drew the confirmation and start another, and a
message taken by the stopped run would never reach the screen. Drawn again, the same toast stays
one toast.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, NoReturn

import streamlit as st

from ui import cache

FLASH_KEY = "lc_flash"
ROUNDS_KEY = "lc_form_rounds"
Kind = Literal["success", "info", "error"]
ICONS: dict[str, str] = {"success": ":material/check_circle:", "info": ":material/info:"}
SHOWN_FOR = 8.0  # seconds


@dataclass(frozen=True)
class FormRound:
    """Keys of one form's widgets in the current round: `key("title")` → "idea_2_title"."""

    name: str

    @property
    def number(self) -> int:
        return int(st.session_state.get(ROUNDS_KEY, {}).get(self.name, 0))

    @property
    def form(self) -> str:
        return f"{self.name}_{self.number}"

    def key(self, field: str) -> str:
        return f"{self.name}_{self.number}_{field}"

    def next(self) -> None:
        """The next drawing of the form gets new widgets: empty, with their default values."""
        rounds = dict(st.session_state.get(ROUNDS_KEY, {}))
        rounds[self.name] = self.number + 1
        st.session_state[ROUNDS_KEY] = rounds


def leave(area: str, message: str, kind: Kind = "success") -> None:
    """Keep `message` (Markdown, user text escaped) for the next drawing of `area`."""
    pending = dict(st.session_state.get(FLASH_KEY, {}))
    pending[area] = (kind, message, time.monotonic())
    st.session_state[FLASH_KEY] = pending


def done(
    area: str,
    message: str,
    *,
    kind: Kind = "success",
    reset: Iterable[FormRound] = (),
    forget: Iterable[str] = (),
) -> NoReturn:
    """After a write (or a refusal that must show fresh data): keep the message for `area` and
    draw the page again from fresh data (see refresh)."""
    leave(area, message, kind)
    refresh(reset=reset, forget=forget)


def refresh(*, reset: Iterable[FormRound] = (), forget: Iterable[str] = ()) -> NoReturn:
    """Draw the page again from fresh data: clear the cached reads, empty the forms in `reset` and
    drop the session keys in `forget`."""
    cache.clear_after_write()
    for form in reset:
        form.next()
    for key in forget:
        st.session_state.pop(key, None)
    st.rerun()


def show(area: str) -> None:
    """The message a write left for `area`: beside the form, and as a toast at the top right."""
    pending = st.session_state.get(FLASH_KEY, {})
    if area not in pending:
        return
    kind, message, left_at = pending[area]
    if time.monotonic() - left_at > SHOWN_FOR:
        st.session_state[FLASH_KEY] = {key: value for key, value in pending.items() if key != area}
        return
    {"success": st.success, "info": st.info, "error": st.error}[kind](message)
    if kind in ICONS:
        st.toast(message, icon=ICONS[kind], duration="long")
