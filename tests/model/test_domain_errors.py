"""Every error a command or read raises on purpose is a DomainError and still the builtin it was."""

from __future__ import annotations

import pytest

from model.accounts.auth import AuthError
from model.core.backup import BackupError
from model.core.db import StorageError
from model.core.errors import AdminError, DomainError, NotPermitted, StaleEditError
from model.core.guard import StaleEditError as GuardStaleEditError
from model.exchange.planning import ImportRejected, RenamesNotConfirmed
from model.exchange.reading import UploadError
from model.meetings.snapshots import SnapshotError
from model.overview.figures import UnknownUnit
from model.pilots.checks import PilotInputError
from model.pilots.checks import StaleEditError as PilotStaleEditError
from model.roadmap.bulk import BulkEditError
from model.roadmap.commands import MeasureInputError
from model.roadmap.ideas import IdeaError, StaleIdeaError
from model.roadmap.scoring import ScoreWeightsError

# Each class with the builtin base it had before DomainError, so every `except` catches as before.
ERRORS = [
    (AdminError, ValueError),
    (StaleEditError, ValueError),
    (StaleEditError, RuntimeError),
    (NotPermitted, PermissionError),
    (PilotInputError, ValueError),
    (MeasureInputError, ValueError),
    (BulkEditError, AdminError),
    (IdeaError, ValueError),
    (StaleIdeaError, IdeaError),
    (ScoreWeightsError, ValueError),
    (SnapshotError, ValueError),
    (AuthError, ValueError),
    (BackupError, ValueError),
    (UploadError, ValueError),
    (ImportRejected, ValueError),
    (RenamesNotConfirmed, ImportRejected),
    (UnknownUnit, LookupError),
    (StorageError, RuntimeError),
]


@pytest.mark.parametrize(("error", "builtin"), ERRORS, ids=lambda value: value.__name__)
def test_every_refusal_is_a_domain_error_and_keeps_its_builtin_base(error, builtin) -> None:
    assert issubclass(error, DomainError)
    assert issubclass(error, builtin)


def test_one_stale_edit_error_with_both_german_texts() -> None:
    assert GuardStaleEditError is PilotStaleEditError is StaleEditError
    assert str(StaleEditError()).startswith("Nicht gespeichert: Diese Angaben wurden inzwischen")
    assert (
        str(StaleEditError("Die Einheit wurde inzwischen geändert."))
        == "Die Einheit wurde inzwischen geändert."
    )
