"""What every Verwaltung command shares: the admin check, the German refusals and field checks."""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any, Literal, SupportsFloat, SupportsIndex, overload

from sqlmodel import Session, col, select

from model.core.audit import AlreadySaved, repeated_create
from model.core.enums import Role
from model.core.errors import AdminError, NotPermitted, StaleEditError
from model.core.tables import AppUser, AuditEntry

THOUSANDS_PATTERN = re.compile(r"^-?\d{1,3}(\.\d{3})+$")


def require_admin(*, session: Session, actor: str) -> AppUser:
    """The acting account, if it is an active admin; else PermissionError (checked in the model too)."""
    user = session.exec(select(AppUser).where(AppUser.username == actor)).first()
    if user is None or not user.active or user.role != Role.ADMIN.value:
        raise NotPermitted("Nur das CDO-Büro (Administration) darf Stammdaten ändern.")
    return user


def check_version(*, current: int, expected: int, what: str) -> None:
    if current != expected:
        refuse_stale(what=what)


def refuse_stale(*, what: str) -> None:
    raise StaleEditError(
        f"{what} wurde inzwischen von jemand anderem geändert; Ihre Änderung wurde nicht gespeichert. "
        "Angezeigt wird jetzt der aktuelle Stand: Bitte prüfen Sie ihn und tragen Sie Ihre Änderung "
        "bei Bedarf erneut ein."
    )


def refuse_repeat(
    *, session: Session, actor: str, entity: str, changes: dict[str, tuple[Any, Any]], model: type, what: str
) -> None:
    """AlreadySaved if `actor` created exactly this moments ago (`changes` as its audit row records
    them) and that record still stands as created: a second tap, not a second record.

    A record deleted or changed since then does not count: creating it again is meant.
    """
    entry = repeated_create(session=session, actor=actor, entity=entity, changes=changes)
    if entry is None or entry.entity_id is None or session.get(model, int(entry.entity_id)) is None:
        return
    later = session.exec(
        select(AuditEntry.id)
        .where(
            AuditEntry.entity == entity,
            AuditEntry.entity_id == entry.entity_id,
            col(AuditEntry.id) > entry.id,
        )
        .limit(1)
    ).first()
    if later is None:
        raise AlreadySaved(
            f"{what} wurde bereits gespeichert; nichts wurde doppelt angelegt.", entity_id=entry.entity_id
        )


@overload
def clean_text(value: object, *, field: str, max_length: int, required: Literal[True] = True) -> str: ...
@overload
def clean_text(value: object, *, field: str, max_length: int, required: bool) -> str | None: ...
def clean_text(value: object, *, field: str, max_length: int, required: bool = True) -> str | None:
    """Stripped text within `max_length`; None for an empty optional field."""
    text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value).strip()
    if not text:
        if required:
            raise AdminError(f"{field}: Bitte einen Wert angeben.")
        return None
    if len(text) > max_length:
        raise AdminError(f"{field}: höchstens {max_length} Zeichen (jetzt {len(text)}).")
    return text


def clean_number(value: object, *, field: str, minimum: float, maximum: float, whole: bool = False) -> float:
    """A finite number in [minimum, maximum]; accepts German decimal commas in text."""
    if isinstance(value, str):
        value = _german_number_text(value)
    try:
        if not isinstance(value, str | bytes | SupportsFloat | SupportsIndex):
            raise TypeError(value)  # float() refuses it too
        number = float(value)
    except (TypeError, ValueError):
        raise AdminError(f"{field}: „{str(value)[:30]}“ ist keine Zahl.") from None
    if not math.isfinite(number) or not minimum <= number <= maximum:
        low, high = _plain(minimum), _plain(maximum)
        raise AdminError(f"{field}: Bitte eine Zahl von {low} bis {high} angeben.")
    if whole and number != int(number):
        raise AdminError(f"{field}: Bitte eine ganze Zahl angeben.")
    return number


def _german_number_text(text: str) -> str:
    """'12.500,50' → '12500.50', '250.000' → '250000', '0.5' stays (German first)."""
    text = text.strip().removesuffix("€").strip().replace(" ", "")
    if "," in text:
        return text.replace(".", "").replace(",", ".")
    return text.replace(".", "") if THOUSANDS_PATTERN.match(text) else text


def check_period(start: date | None, end: date | None, *, what: str) -> None:
    if start is not None and end is not None and end < start:
        raise AdminError(f"{what}: Das Ende liegt vor dem Beginn.")


def _plain(number: float) -> str:
    text = f"{number:,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", "#").replace(".", ",").replace("#", ".")
