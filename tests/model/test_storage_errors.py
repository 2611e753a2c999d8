"""A full disk or a read-only database: a German reason (model and manage.py), and nothing is lost.

Each case runs in a subprocess that reads the database but cannot write it:
- read-only: the file is mode 444 and the process runs as `nobody` (root ignores file modes);
- file-size limit: RLIMIT_FSIZE lets no file grow beyond what it has (SQLite: SQLITE_IOERR_WRITE);
- full disk: a 2 MB tmpfs filled up to 200 KB (SQLITE_FULL); only where this user may mount.
Then it tries one large write through the model and one import through manage.py.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from model.core import backup
from model.core.backup import BackupError
from model.core.db import make_engine, write_session
from model.core.enums import UnitKind
from model.core.migrate import migrate
from model.core.tables import OrgUnit

pytestmark = pytest.mark.sqlite_only(reason="provokes SQLite's read-only and disk-full errors")

ROOT = Path(__file__).resolve().parents[2]
NOBODY = 65534
UNITS = 3000  # about 600 KB in one transaction: more than the file-size limit and the free tmpfs
CHILD = f"""
import encodings.cp1252, encodings.utf_8_sig, os, resource, signal, sys  # noqa: F401 (loaded early)
from pathlib import Path

import manage
from model import exchange  # noqa: F401 (imported before privileges drop)
from model.core import security_log  # noqa: F401 (imported before privileges drop)
from model.core.audit import record_audit
from model.core.db import StorageError, get_engine, read_session, write_session
from model.core.enums import UnitKind
from model.core.migrate import migrate
from model.core.tables import OrgUnit
from sqlmodel import select

case, csv = sys.argv[1], sys.argv[2]
engine = get_engine()
migrate(engine)  # loads what manage.py needs later, before privileges drop
if case == "read-only" and os.geteuid() == 0:
    engine.dispose()  # an open file keeps its write access: connect again as nobody
    os.setgid({NOBODY})
    os.setuid({NOBODY})
with read_session(engine) as session:
    session.exec(select(OrgUnit)).all()  # reading works
if case == "file-size":
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write() fails with EFBIG instead of a core dump
    database = Path(engine.url.database)
    biggest = max(path.stat().st_size for path in database.parent.glob(database.name + "*"))
    resource.setrlimit(resource.RLIMIT_FSIZE, (biggest + 4096, resource.RLIM_INFINITY))
try:
    with write_session(engine) as session:
        for number in range({UNITS}):
            session.add(OrgUnit(code=f"N{{number}}", name="Neu " * 40, kind=UnitKind.AMT, headcount=1))
        session.flush()
        record_audit(
            session=session, actor="t", action="create", entity="org_unit", entity_id=None, changes={{}}
        )
    print("model: saved")
except StorageError as error:
    print("model:", error)
print("manage:", manage.main(["import", csv]))
"""


def units(database: Path) -> list[tuple]:
    connection = sqlite3.connect(database)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        return connection.execute("SELECT code, name FROM org_unit ORDER BY code").fetchall()
    finally:
        connection.close()


def make_database(directory: Path) -> Path:
    database = directory / "lotsen.db"
    engine = make_engine(f"sqlite:///{database}")
    migrate(engine)
    with write_session(engine) as session:
        session.add(OrgUnit(code="33", name="Bürgeramt", kind=UnitKind.AMT, headcount=47))
    engine.dispose()
    return database


def big_csv(directory: Path) -> Path:
    path = directory / "Organisationseinheiten.csv"
    lines = ["Kürzel;Name;Art;Übergeordnet (Kürzel);Beschäftigte;Soll-Lotsen"]
    lines += [f"C{number};{'Amt ' * 40}{number};Amt;;3;" for number in range(UNITS)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_child(case: str, database: Path, csv: Path) -> tuple[list[str], list[str]]:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, case, str(csv)],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{database}", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines(), result.stderr.splitlines()


@pytest.fixture
def tmpfs(tmp_path) -> Iterator[Path]:
    mount = tmp_path / "klein"
    mount.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True, check=False
    )
    if mounted.returncode != 0:
        pytest.skip("this user may not mount a tmpfs; the file-size case covers a full disk")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def fill(directory: Path, *, leave: int) -> None:
    free = os.statvfs(directory).f_bavail * os.statvfs(directory).f_frsize
    (directory / "füllung").write_bytes(b"\0" * max(free - leave, 0))


def assert_german_refusal(out: list[str], err: list[str], reason: str) -> None:
    assert out[0].startswith("model: Nicht gespeichert: ") and reason in out[0], out
    assert "Alles bisher Gespeicherte ist unverändert" in out[0]
    assert out[-1] == "manage: 1"
    refusals = [line for line in err if line.startswith("Fehler: ")]
    assert (
        len(refusals) == 1 and refusals[0].startswith("Fehler: Nicht gespeichert: ") and reason in refusals[0]
    )
    assert not any("Traceback" in line for line in err)


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """Files as a shell makes them: an AppTest run earlier in this worker set the app's umask 077."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.fixture
def reachable(tmp_path) -> Iterator[Path]:
    """A directory `nobody` can reach (pytest's own tmp directories are private to their user)."""
    directory = Path(tempfile.mkdtemp(prefix="lotsen-nur-lesen-"))
    directory.chmod(0o755)
    yield directory
    shutil.rmtree(directory)


def test_a_read_only_database_says_so_in_german_and_keeps_its_data(reachable) -> None:
    directory = reachable / "daten"
    directory.mkdir()
    database = make_database(directory)
    before = units(database)
    csv = big_csv(reachable)
    os.chown(directory, NOBODY, -1)  # the WAL index may be created; the database not written
    database.chmod(0o444)

    out, err = run_child("read-only", database, csv)

    assert_german_refusal(out, err, "schreibgeschützt")
    database.chmod(0o600)
    assert units(database) == before


def test_a_file_size_limit_says_so_in_german_and_keeps_the_data(tmp_path) -> None:
    database = make_database(tmp_path)
    before = units(database)

    out, err = run_child("file-size", database, big_csv(tmp_path))

    assert_german_refusal(out, err, "konnte nicht auf den Datenträger schreiben")
    assert units(database) == before
    engine = make_engine(f"sqlite:///{database}")  # without the limit, writing works again
    with write_session(engine) as session:
        session.add(OrgUnit(code="20", name="Kämmerei", kind=UnitKind.AMT, headcount=5))
    engine.dispose()
    assert len(units(database)) == len(before) + 1


def test_a_full_disk_says_so_in_german_and_keeps_the_data(tmpfs, tmp_path) -> None:
    database = make_database(tmpfs)
    before = units(database)
    fill(tmpfs, leave=200 * 1024)

    out, err = run_child("full", database, big_csv(tmp_path))

    assert_german_refusal(out, err, "Datenträger voll")
    assert units(database) == before


def test_a_restore_on_a_full_disk_is_refused_in_german_and_changes_nothing(tmpfs, tmp_path) -> None:
    database = make_database(tmpfs)
    engine = make_engine(f"sqlite:///{database}")
    saved = backup.backup_to(engine=engine, path=tmp_path / "stand.db")
    before = units(database)
    fill(tmpfs, leave=100 * 1024)  # less than the rebuilt copy needs beside the live database

    with pytest.raises(
        BackupError, match="Die Wiederherstellung ist nicht möglich: .*voll.*nichts verändert"
    ):
        backup.restore_from(engine=engine, path=saved, actor="cdo")
    engine.dispose()

    assert units(database) == before
    assert sorted(path.name for path in tmpfs.iterdir()) == ["füllung", "lotsen.db"]
