"""What the Lotsen commands share: the German refusals, field checks and the checked pilot row."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from model.core import clock
from model.core.errors import DomainError, StaleEditError
from model.core.german import fmt_number
from model.core.tables import Pilot

EARLIEST = date(2000, 1, 1)
MAX_TEXT = 2000
MAX_BLOCKER = 1000
MAX_NOTE = 1000
MAX_REASON = 500
MAX_TITLE = 200
MAX_DESCRIPTION = 4000
MAX_HOURS = 40.0


class PilotInputError(DomainError, ValueError):
    """Bad input with a German message for the user; nothing was changed."""


def clean(text: str | None, *, limit: int, what: str) -> str | None:
    """Stripped text or None; longer than `limit` is refused."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    if len(text) > limit:
        raise PilotInputError(f"{what} ist zu lang: höchstens {fmt_number(limit)} Zeichen.")
    return text


def check_date(value: date, *, what: str) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise PilotInputError(f"{what}: Bitte ein gültiges Datum angeben.")
    if value > clock.today():
        raise PilotInputError(f"{what} darf nicht in der Zukunft liegen.")
    if value < EARLIEST:
        raise PilotInputError(f"{what} liegt zu weit in der Vergangenheit.")
    return value


def get_pilot(session: Session, pilot_id: int, *, lock: bool = False) -> Pilot:
    pilot = session.get(Pilot, pilot_id, with_for_update=lock)
    if pilot is None:
        raise PilotInputError("Diese Lotsin / diesen Lotsen gibt es nicht.")
    return pilot


def checked_pilot(session: Session, pilot_id: int, expected_version: int) -> Pilot:
    """The pilot row, locked for the transaction, if nobody changed it since `expected_version`."""
    pilot = get_pilot(session, pilot_id, lock=True)
    session.refresh(pilot)
    if pilot.version != expected_version:
        raise StaleEditError()
    return pilot


def check_writable(pilot: Pilot) -> None:
    if pilot.anonymised:
        raise PilotInputError(
            "Diese Person wurde anonymisiert; ihre Angaben können nicht mehr geändert werden."
        )
