"""No traceback reaches a user: an unexpected error shows a German message with a reference number,
and the server log keeps the traceback under the same number.

Streamlit's own answer to an uncaught exception depends on `client.showErrorDetails`; its legacy
value `false` means "stacktrace" in Streamlit 1.67 (the trace reaches the browser), so the config
says "none", and pages run inside `error_boundary`, which also catches what a fragment raises.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

import streamlit as st

from model.core import clock
from model.core.db import StorageError
from model.core.errors import new_reference
from model.core.german import fmt_datetime

# Test-only: a page path (e.g. "rollout") whose run raises on purpose. Never set in operation.
FAULT_VARIABLE = "LOTSEN_TEST_FAULT"
P = ParamSpec("P")
R = TypeVar("R")


class InjectedFault(RuntimeError):
    """Raised where FAULT_VARIABLE names the page, to test what users see of an error."""


def _configure(logger: logging.Logger) -> logging.Logger:
    """Streamlit configures only its own loggers: this one writes to stderr (the server log)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger


LOG = _configure(logging.getLogger("lotsen_cockpit"))


def message(reference: str) -> str:
    return (
        "**Es ist ein unerwarteter Fehler aufgetreten.** Bitte laden Sie die Seite neu. Was vorher "
        "bestätigt wurde, ist gespeichert; tritt der Fehler wieder auf, nennen Sie dem CDO-Büro bitte "
        f"die Fehlernummer **{reference}** ({fmt_datetime(clock.now())})."
    )


def report(where: str) -> str:
    """Log the exception being handled with a new reference, show the German message, return it."""
    reference = new_reference()
    LOG.exception("Unerwarteter Fehler %s auf %s", reference, where)
    st.error(message(reference), icon=":material/error:")
    return reference


@contextmanager
def error_boundary(where: str) -> Iterator[None]:
    """Run a page (or a part of it) so that an unexpected error ends in `report`, not a traceback.

    Streamlit's rerun and stop signals are BaseExceptions, not Exceptions: they pass through. A
    full disk or a read-only database is no program error: its German reason, calmly, no number.
    """
    try:
        yield
    except StorageError as error:
        storage_refusal(error, where)
    except Exception:
        report(where)


def storage_refusal(error: StorageError, where: str) -> None:
    """The database stored nothing (disk full, read-only): say so; the log keeps the cause."""
    LOG.warning("Nicht gespeichert auf %s: %s (%s)", where, error.reason, error.__cause__)
    st.error(str(error), icon=":material/database:")


def guarded(where: str) -> Callable[[Callable[P, R]], Callable[P, R | None]]:
    """`error_boundary` for a function, e.g. a fragment that reruns on its own."""

    def decorate(function: Callable[P, R]) -> Callable[P, R | None]:
        @wraps(function)
        def run(*args: P.args, **kwargs: P.kwargs) -> R | None:
            with error_boundary(where):
                return function(*args, **kwargs)
            return None

        return run

    return decorate


def inject_fault(where: str) -> None:
    """Raise InjectedFault if the test-only FAULT_VARIABLE names `where`."""
    if os.environ.get(FAULT_VARIABLE) == where:
        raise InjectedFault(f"Absichtlicher Testfehler auf {where} ({FAULT_VARIABLE})")
