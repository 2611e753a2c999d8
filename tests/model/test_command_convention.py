"""Every write of model/ has one signature: `verb_noun(*, session: Session, actor: Actor, data: Input)`.

Command modules: every module named commands.py under model/, and the modules in MORE_MODULES
(writes that live beside their read models). A write is a public function defined in such a module
that takes an `actor`; reads take a `viewer` or no one. Its `data` is a dataclass or pydantic
model; an edit of an existing record carries `expected_version` in it (creates and appends in
NOT_EDITS do not); an edit of a table's rows carries one per row (`rows: tuple[Row, ...]`).
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import typing
from collections.abc import Callable, Iterator

import pytest
from pydantic import BaseModel
from sqlmodel import Session

import model
from model.core.actor import Actor

MORE_MODULES = (
    "model.accounts.admin",
    "model.funding.programmes",
    "model.it_staff.structures",
    "model.meetings.snapshots",
    "model.org.units",
    "model.pilots.privacy",
    "model.programme.plan",
    "model.roadmap.bulk",
    "model.roadmap.ideas",
    "model.roadmap.scoring",
    "model.training.modules",
)
# Writes with no version the user saw: creates and appends, one-way steps refused when already
# done (a resolved request, a completed module, an anonymised person), and an Art. 15 disclosure
# (its only write is the audit row).
NOT_EDITS = {
    "model.accounts.admin.create_user",
    "model.funding.programmes.create_programme",
    "model.meetings.snapshots.take_snapshot",
    "model.org.units.add_unit",
    "model.pilots.commands.record_status_update",
    "model.pilots.commands.resolve_support_request",
    "model.pilots.privacy.anonymise_person",
    "model.pilots.privacy.export_person",
    "model.programme.plan.add_gate_decision",
    "model.programme.plan.add_milestone",
    "model.programme.plan.add_phase",
    "model.training.modules.add_training_module",
    "model.roadmap.commands.create_measure",
    "model.roadmap.ideas.submit_idea",
    "model.training.commands.complete_module",
}


def command_modules() -> list[str]:
    named = [
        info.name
        for info in pkgutil.walk_packages(model.__path__, "model.")
        if not info.ispkg and info.name.rsplit(".", 1)[-1] == "commands"
    ]
    return sorted({*named, *MORE_MODULES})


def writes() -> Iterator[tuple[str, Callable[..., object]]]:
    for name in command_modules():
        module = importlib.import_module(name)
        for function_name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != name or function_name.startswith("_"):
                continue
            if "actor" in inspect.signature(function).parameters:
                yield f"{name}.{function_name}", function


def problems(path: str, function: Callable[..., object]) -> list[str]:
    """What keeps `function` from the convention (empty: it follows it)."""
    found = []
    hints = typing.get_type_hints(function)
    parameters = inspect.signature(function).parameters
    if any(parameter.kind is not parameter.KEYWORD_ONLY for parameter in parameters.values()):
        found.append("not every parameter is keyword-only")
    if list(parameters) != ["session", "actor", "data"]:
        found.append(f"parameters {list(parameters)}, not session, actor, data")
    if hints.get("session") is not Session:
        found.append("session is not annotated Session")
    if hints.get("actor") is not Actor:
        found.append("actor is not annotated Actor")
    data = hints.get("data")
    is_input = isinstance(data, type) and (dataclasses.is_dataclass(data) or issubclass(data, BaseModel))
    if not is_input:
        found.append("data is not a dataclass or pydantic model")
    elif path not in NOT_EDITS:
        fields = (
            {field.name for field in dataclasses.fields(data)}
            if dataclasses.is_dataclass(data)
            else set(data.model_fields)
        )
        if "expected_version" not in fields and not _rows_carry_versions(data):
            found.append(f"{data.__name__} has no expected_version (or list it in NOT_EDITS)")
    return found


def _rows_carry_versions(data: type) -> bool:
    """A table's edit: `rows: tuple[Row, ...]`, each Row a dataclass with its own expected_version."""
    hint = typing.get_type_hints(data).get("rows")
    if typing.get_origin(hint) is not tuple:
        return False
    row, *rest = typing.get_args(hint)
    return (
        rest == [Ellipsis]
        and dataclasses.is_dataclass(row)
        and "expected_version" in {field.name for field in dataclasses.fields(row)}
    )


WRITES = dict(writes())


def test_the_walk_finds_the_writes_of_every_domain() -> None:
    assert len(WRITES) >= 40
    assert {path.split(".")[1] for path in WRITES} >= {"accounts", "org", "pilots", "roadmap", "training"}
    assert set(WRITES) >= NOT_EDITS  # no stale names in the list


@pytest.mark.parametrize("path", sorted(WRITES))
def test_every_write_takes_session_actor_and_one_typed_input(path: str) -> None:
    assert problems(path, WRITES[path]) == []
