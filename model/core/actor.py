"""Who acts: the Actor every read and command takes, and the checks of who may see and change a person."""

from __future__ import annotations

from typing import Protocol

from model.core.enums import Role
from model.core.errors import NotPermitted

NOT_YOURS = "Sie können nur Ihre eigenen Angaben sehen und ändern."
NO_PERSONAL_DATA = (
    "Die Verwaltungsleitung sieht nur zusammengefasste Zahlen je Organisationseinheit, "
    "keine Angaben zu einzelnen Personen."
)
ADMIN_ONLY = "Das darf nur das CDO-Büro."


class Actor(Protocol):
    """Who asks: ui's logged-in UserInfo or any object with these fields."""

    @property
    def username(self) -> str: ...

    @property
    def role(self) -> str: ...

    @property
    def pilot_id(self) -> int | None: ...


def check_person_access(actor: Actor, pilot_id: int) -> None:
    """Admin may see anyone, a Lotse only the own record, leitung nobody (NotPermitted)."""
    if actor.role == Role.ADMIN:
        return
    if actor.role == Role.LOTSE:
        if actor.pilot_id is not None and actor.pilot_id == pilot_id:
            return
        raise NotPermitted(NOT_YOURS)
    raise NotPermitted(NO_PERSONAL_DATA)


def check_admin(actor: Actor) -> None:
    if actor.role != Role.ADMIN:
        raise NotPermitted(ADMIN_ONLY if actor.role == Role.LOTSE else NO_PERSONAL_DATA)
