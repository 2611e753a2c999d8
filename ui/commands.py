"""Forms that write: run one model command, answer in German, and remember what a form showed.

Every form of the admin pages saves through `run`: one model command in one transaction (its audit
row included), then ui.feedback confirms beside the form and as a toast. Input the model refuses
stays in the form with the reason; a save that came too late (someone else saved first) and a
create that was already stored draw the form anew, from what is stored now.

An edit form draws its widgets from `shown(form, current)`: the record as it was when the form's
widgets were first drawn, kept until the form is saved or refused. The save names that version (or
those values), so the model refuses it if the record changed meanwhile, even when the page was
drawn again in between with newer data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from model.core.audit import AlreadySaved
from model.core.db import write_session
from model.core.errors import DomainError, StaleEditError
from model.roadmap.bulk import BulkEditError
from ui import feedback
from ui.feedback import FormRound
from ui.plain import escaped

T = TypeVar("T")
SHOWN_PREFIX = "lc_shown_"
CHOICES_KEY = "lc_kept_choices"


def shown(form: FormRound, current: T) -> T:
    """What `form` showed when its widgets of this round were first drawn (else `current`, kept now).

    Widgets of a form that is not drawn in a run (another record chosen, another tab or page) are
    dropped by Streamlit; drawn again, they show `current`, so that is what is kept then.
    """
    key = f"{SHOWN_PREFIX}{form.form}"
    drawn = any(str(name).startswith(f"{form.form}_") for name in st.session_state)
    if key not in st.session_state or not drawn:
        st.session_state.pop(f"{SHOWN_PREFIX}{form.name}_{form.number - 1}", None)
        st.session_state[key] = current
    return st.session_state[key]


def choose_again(key: str) -> None:
    """Call before drawing the select box `key`: the record a save kept chosen is chosen again.

    A select box remembers its choice by the option's label; once a save renamed the record, the
    old label matches nothing and the box would fall back to its first option ("neu anlegen").
    """
    kept = st.session_state.get(CHOICES_KEY, {})
    if key in kept:
        st.session_state[key] = kept[key]
        st.session_state[CHOICES_KEY] = {name: value for name, value in kept.items() if name != key}


def run(
    area: str,
    command: Callable[..., Any],
    *,
    success: str | Callable[[Any], str],
    reset: Iterable[FormRound] = (),
    forget: Iterable[str] = (),
    keep: Mapping[str, Any] | None = None,
    **arguments: Any,
) -> None:
    """Run `command(session=…, **arguments)` in one write transaction and answer beside `area`.

    Saved: the confirmation (`success`, or `success(result)`), the forms in `reset` drawn empty or
    from the stored record. Already saved moments ago, or refused because someone else saved first:
    the reason, and the forms drawn anew likewise. Refused input, or a database that cannot store
    (disk full, read-only): the reason here, the form keeps what the user typed. `forget`: further
    session keys dropped after a save or a conflict; `keep`: select boxes (key → record) that stay
    on their record then (see choose_again).
    """
    reset, forget = tuple(reset), tuple(forget)
    try:
        with write_session() as session:
            result = command(session=session, **arguments)
    except AlreadySaved as error:
        feedback.done(area, escaped(error), kind="info", reset=reset, forget=forget)
    except StaleEditError as error:
        _keep_choices(keep)
        feedback.done(area, escaped(error), kind="error", reset=reset, forget=forget)
    except (DomainError, PermissionError, ValueError) as error:  # DomainError: StorageError too
        refusal(error)
        return
    _keep_choices(keep)
    message = success(result) if callable(success) else success
    feedback.done(area, message, reset=reset, forget=forget)


def _keep_choices(keep: Mapping[str, Any] | None) -> None:
    if keep:
        st.session_state[CHOICES_KEY] = {**st.session_state.get(CHOICES_KEY, {}), **keep}


def refusal(error: Exception) -> None:
    """A refused command's German reason: every named problem, a table of rows for a bulk edit."""
    if isinstance(error, BulkEditError):
        st.error(escaped(error))
        problems = [{"Zeile": p.row, "Spalte": p.column or "–", "Grund": p.reason} for p in error.problems]
        st.dataframe(pd.DataFrame(problems), hide_index=True, width="stretch")
        return
    messages = getattr(error, "messages", None)
    if messages:
        st.error("Nicht gespeichert:\n\n" + "\n".join(f"- {escaped(message)}" for message in messages))
        return
    st.error(escaped(error))
