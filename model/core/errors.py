"""What the app and the command line say about an unexpected error: a short reference number."""

from __future__ import annotations

import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read out on the phone without doubt


def new_reference() -> str:
    """'F-3K7Q9C': shown to the user and written beside the traceback in the log."""
    return "F-" + "".join(secrets.choice(ALPHABET) for _ in range(6))


class DomainError(Exception):
    """A command or read refused on purpose; its message is the German text the UI shows.

    Every such error is a subclass. Each keeps the builtin base it had before (ValueError,
    PermissionError, …) beside this one, so code that catches those catches exactly as before.
    """


class NotPermitted(DomainError, PermissionError):
    """The actor may not do or see this (German reason); nothing was changed."""


class AdminError(DomainError, ValueError):
    """A German reason why a command was refused; nothing was changed."""


PILOT_STALE = (
    "Nicht gespeichert: Diese Angaben wurden inzwischen an anderer Stelle geändert "
    "(zum Beispiel in einem anderen Browser-Tab). Die Seite zeigt jetzt den aktuellen Stand; "
    "Ihre Eingaben stehen noch im Formular – bitte prüfen und erneut speichern."
)


# RuntimeError too: the Lotsen commands' own StaleEditError was one before both were merged.
class StaleEditError(AdminError, RuntimeError):
    """Someone else saved the record after it was loaded; the later save is refused, nothing changed."""

    def __init__(self, message: str = PILOT_STALE) -> None:
        super().__init__(message)
