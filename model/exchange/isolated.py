"""The Verwaltung's dry run and import in a child process of their own.

Reading and checking 100,000 rows is pure Python work: inside the server it held the GIL for
seconds, and every other session's page run waited behind it (0.05 → 2–3 s, issue 16). A child
process (at a lower priority, nice 10) has its own interpreter and its own core, and what a large
file needs in memory goes back to the system when it ends. The server thread only waits on a
pipe. The command line needs none of this: `manage.py import` is a process of its own already.

Protocol: the request is pickled to the child's stdin; the child writes progress lines
("progress <share> <text>") and one last line "outcome <base64 pickle>" to stdout. Only this
module's own child is read, never a pickle from anywhere else.
"""

from __future__ import annotations

import base64
import hashlib
import os
import pickle
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.core.errors import NotPermitted
from model.exchange.applying import Progress, import_parsed
from model.exchange.planning import DryRun, ImportRejected, ImportResult, RenamesNotConfirmed, plan_import
from model.exchange.reading import UploadError, read_upload

ROOT = Path(__file__).resolve().parents[2]
Files = list[tuple[str, bytes]]
Renames = frozenset[tuple[str, tuple[Any, ...]]]


@dataclass(frozen=True)
class _Request:
    action: str  # "check" or "write"
    database_url: str
    files: Files
    digest: str
    max_rows: int | None = None
    actor: str = ""
    confirmed_renames: Renames = frozenset()


def digest_of(files: Files) -> str:
    """What identifies an upload: names and contents of its files."""
    digest = hashlib.sha256()
    for name, content in files:
        digest.update(name.encode() + b"\0" + hashlib.sha256(content).digest())
    return digest.hexdigest()


class ChildFailed(RuntimeError):
    """The child process ended without an answer (its traceback is in the server log)."""


def check_files(*, database_url: str, files: Files, digest: str, max_rows: int | None = None) -> DryRun:
    """The dry run of `files` as a small DryRun; UploadError for a refused file."""
    outcome = _run(_Request("check", database_url, files, digest, max_rows=max_rows), progress=None)
    assert isinstance(outcome, DryRun)
    return outcome


def write_files(
    *,
    database_url: str,
    files: Files,
    digest: str,
    actor: str,
    confirmed_renames: Renames,
    progress: Progress | None = None,
    max_rows: int | None = None,
) -> ImportResult:
    """Read, plan and write `files` (those of the dry run `digest`) in one transaction of the child,
    after require_admin(actor).

    Raises UploadError, ImportRejected (first errors and their count), RenamesNotConfirmed or
    PermissionError, as the import in this process would.
    """
    request = _Request(
        "write",
        database_url,
        files,
        digest,
        max_rows=max_rows,
        actor=actor,
        confirmed_renames=confirmed_renames,
    )
    outcome = _run(request, progress=progress)
    assert isinstance(outcome, ImportResult)
    return outcome


def _run(request: _Request, *, progress: Progress | None) -> DryRun | ImportResult:
    process = subprocess.Popen(  # noqa: S603 - this interpreter running this module
        [sys.executable, "-m", "model.exchange.isolated"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None
    with process.stdin:
        process.stdin.write(pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL))
    del request  # the uploaded bytes are the caller's; this function keeps no copy
    answer: tuple[str, Any] | None = None
    for line in process.stdout:
        kind, _, rest = line.decode(errors="replace").rstrip("\n").partition(" ")
        if kind == "progress" and progress is not None:
            share, _, text = rest.partition(" ")
            progress(float(share), text)
        elif kind == "outcome":
            answer = pickle.loads(base64.b64decode(rest))  # noqa: S301 - our own child's answer
    process.wait()
    if answer is None:
        raise ChildFailed(f"Der Importprozess endete ohne Ergebnis (Exit-Code {process.returncode}).")
    return _raise_or_return(answer)


def _raise_or_return(answer: tuple[str, Any]) -> DryRun | ImportResult:
    kind, payload = answer
    if kind == "ok":
        return payload
    if kind == "upload":
        raise UploadError(payload)
    if kind == "permission":
        raise NotPermitted(payload)
    if kind == "renames":
        raise RenamesNotConfirmed(payload)
    errors, error_count, message = payload
    raise ImportRejected(errors, message, error_count=error_count)


# ---------------------------------------------------------------- the child


def _answer(kind: str, payload: Any) -> None:
    data = base64.b64encode(pickle.dumps((kind, payload), protocol=pickle.HIGHEST_PROTOCOL)).decode()
    sys.stdout.write(f"outcome {data}\n")
    sys.stdout.flush()


def _progress(share: float, text: str) -> None:
    sys.stdout.write(f"progress {share:.4f} {text.replace(chr(10), ' ')}\n")
    sys.stdout.flush()


def _child(request: _Request) -> None:
    from model.core.db import make_engine, read_session, write_session
    from model.core.guard import require_admin

    engine = make_engine(request.database_url)
    try:
        if digest_of(request.files) != request.digest:
            raise UploadError("Die Dateien sind nicht die des Probelaufs; bitte erneut hochladen und prüfen.")
        parsed = read_upload(files=request.files, max_rows=request.max_rows)
        if request.action == "check":
            with read_session(engine) as session:
                plan = plan_import(session=session, parsed=parsed)
            _answer("ok", plan.dry_run(request.digest))
            return
        with write_session(engine) as session:
            require_admin(session=session, actor=request.actor)
            result = import_parsed(
                session=session,
                parsed=parsed,
                actor=request.actor,
                confirmed_renames=request.confirmed_renames,
                progress=_progress,
            )
        _answer("ok", result)
    except UploadError as exc:
        _answer("upload", str(exc))
    except PermissionError as exc:
        _answer("permission", str(exc))
    except RenamesNotConfirmed as exc:
        _answer("renames", exc.mixups)
    except ImportRejected as exc:
        _answer("rejected", (exc.errors, exc.error_count, str(exc)))
    finally:
        engine.dispose()


if __name__ == "__main__":
    os.nice(10)  # the server's own threads come first when the cores are busy
    _child(pickle.loads(sys.stdin.buffer.read()))  # noqa: S301 - the parent's request, our own pipe
