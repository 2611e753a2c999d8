"""Command line import, export, backup and restore: happy paths, audit rows, one-line refusals."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func
from sqlmodel import select

import manage
from model.core import security_log
from model.core.db import dispose_engines, make_engine, read_session
from model.core.migrate import migrate
from model.core.tables import AuditEntry, OrgUnit, Pilot

ROOT = Path(__file__).resolve().parents[1]
UNITS_CSV = (
    "Kürzel;Name;Art;Übergeordnet (Kürzel);Beschäftigte;Soll-Lotsen\n"
    "Dez II;Dezernat II;Dezernat;;6;\n"
    "33;Bürgeramt;Amt;Dez II;47;\n"
)
PILOTS_CSV = (
    "Name;E-Mail;Organisationseinheit (Kürzel);Stufe;Seit;Stunden pro Woche\n"
    "Jürgen Weiß;jw@example.org;33;aktiv;01.03.2026;4\n"
)
BAD_PILOTS_CSV = (
    "Name;E-Mail;Organisationseinheit (Kürzel);Stufe;Seit;Stunden pro Woche\n"
    "Jürgen Weiß;jw@example.org;33;aktiv;01.03.2026;4\n"
    "Max Muster;max@example.org;33;Chef;;2\n"
    "Eva Ohne;eva@example.org;99;aktiv;;55\n"
)


@pytest.fixture
def database(tmp_path, monkeypatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'lotsen.db'}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    yield url
    dispose_engines()


@pytest.fixture
def csv_files(tmp_path) -> dict[str, Path]:
    files = {
        "units": tmp_path / "Organisationseinheiten.csv",
        "pilots": tmp_path / "Lotsen.csv",
        "bad_pilots": tmp_path / "bad" / "Lotsen.csv",
    }
    files["bad_pilots"].parent.mkdir()
    files["units"].write_text(UNITS_CSV, encoding="utf-8")
    files["pilots"].write_text(PILOTS_CSV, encoding="utf-8-sig")
    files["bad_pilots"].write_text(BAD_PILOTS_CSV, encoding="cp1252")
    return files


def run(capsys, *args: str) -> tuple[int, list[str], list[str]]:
    """Exit status, stdout lines, stderr lines (without the security events, which go there too)."""
    security = security_log.LOG.handlers[0]
    previous = security.setStream(sys.stderr)  # the stream capsys captures now
    try:
        code = manage.main(list(args))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    finally:
        security.setStream(previous)
    captured = capsys.readouterr()
    err = [line for line in captured.err.splitlines() if security_log.LOGGER_NAME not in line]
    return code, captured.out.splitlines(), err


def rows(url: str, model) -> int:
    engine = make_engine(url)
    try:
        with read_session(engine) as session:
            return session.exec(select(func.count()).select_from(model)).one()
    finally:
        engine.dispose()


def audit(url: str) -> list[tuple[str, str, str]]:
    engine = make_engine(url)
    try:
        with read_session(engine) as session:
            return [
                (e.actor, e.action, e.entity)
                for e in session.exec(select(AuditEntry).order_by(AuditEntry.id))
            ]
    finally:
        engine.dispose()


def test_import_dry_run_with_errors_exits_1_prints_every_error_and_writes_nothing(
    database, csv_files, capsys
) -> None:
    code, out, err = run(capsys, "import", str(csv_files["units"]), str(csv_files["bad_pilots"]), "--dry-run")

    assert code == 1
    assert "Organisationseinheiten: 2 Zeilen – 2 neu, 0 geändert, 0 unverändert" in out
    errors = [line for line in out if line.startswith("Lotsen, Zeile")]
    assert errors == [
        "Lotsen, Zeile 3, Spalte Stufe: „Chef“ ist kein gültiger Wert. Erlaubt: nominiert, ausgewählt, "
        "in Qualifizierung, qualifiziert, aktiv, pausiert, ausgeschieden.",
        "Lotsen, Zeile 4, Spalte Organisationseinheit (Kürzel): Die Organisationseinheit „99“ gibt es weder "
        "im Blatt Organisationseinheiten noch in der Datenbank.",
        "Lotsen, Zeile 4, Spalte Stunden pro Woche: Der Wert 55 liegt außerhalb des erlaubten Bereichs "
        "0 bis 40.",
    ]
    assert err == ["Fehler: 3 Fehler – es wurde nichts importiert."]
    assert rows(database, OrgUnit) == 0
    assert audit(database) == []


def test_the_same_errors_stop_a_real_import_too(database, csv_files, capsys) -> None:
    code, _, err = run(capsys, "import", str(csv_files["units"]), str(csv_files["bad_pilots"]))
    assert (code, err) == (1, ["Fehler: 3 Fehler – es wurde nichts importiert."])
    assert rows(database, OrgUnit) == rows(database, Pilot) == 0


def test_import_export_and_dry_run_of_the_export(database, csv_files, capsys, tmp_path) -> None:
    code, out, err = run(capsys, "import", str(csv_files["units"]), str(csv_files["pilots"]))
    assert (code, err) == (0, [])
    assert out[-1].startswith(
        "Import abgeschlossen (Organisationseinheiten: 2 neu, 0 geändert; Lotsen: 1 neu"
    )
    assert rows(database, Pilot) == 1

    code, out, err = run(capsys, "export", "alles.xlsx")
    assert (code, err) == (0, [])
    assert out[0].startswith("Export geschrieben: alles.xlsx")
    sheet = load_workbook(tmp_path / "alles.xlsx")["Lotsen"]
    assert list(sheet.values)[1][:4] == ("Jürgen Weiß", "jw@example.org", "33", "aktiv")

    code, out, _ = run(capsys, "import", "alles.xlsx", "--dry-run")
    assert code == 0
    assert "Lotsen: 1 Zeilen – 0 neu, 0 geändert, 1 unverändert" in out
    assert out[-1] == "Probelauf ohne Fehler: es wurde nichts geschrieben."

    entries = audit(database)
    assert ("manage.py", "create", "org_unit") in entries
    assert ("manage.py", "create", "pilot") in entries
    assert ("manage.py", "import", "database") in entries
    assert entries[-1] == ("manage.py", "export", "database")


def test_backup_then_restore_brings_the_data_back(database, csv_files, capsys, monkeypatch) -> None:
    run(capsys, "import", str(csv_files["units"]))
    code, out, err = run(capsys, "backup", "stand.db")
    assert (code, err) == (0, [])
    assert out == ["Sicherung geschrieben und geprüft (integrity_check ok): stand.db"]
    assert audit(database)[-1] == ("manage.py", "backup", "database")

    run(capsys, "import", str(csv_files["pilots"]))
    assert rows(database, Pilot) == 1

    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # no terminal: --yes is required
    code, out, err = run(capsys, "restore", "stand.db")
    assert (code, out) == (1, [])
    assert err == ["Fehler: Wiederherstellen ersetzt alle Daten; ohne Terminal bitte mit --yes bestätigen."]
    assert rows(database, Pilot) == 1

    code, out, err = run(capsys, "restore", "stand.db", "--yes")
    assert (code, err) == (0, [])
    assert out[0].startswith("Wiederhergestellt aus stand.db; der vorherige Stand liegt in ")
    assert rows(database, Pilot) == 0
    assert rows(database, OrgUnit) == 2
    safety = Path(out[0].rsplit(" ", 1)[1])
    assert safety.parent.name == "backups" and safety.is_file()
    assert audit(database)[-1] == ("manage.py", "restore", "database")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("answer", "restored"), [("n", False), ("", False), ("j", True)])
def test_restore_asks_at_a_terminal(database, csv_files, capsys, monkeypatch, answer, restored) -> None:
    run(capsys, "backup", "leer.db")
    run(capsys, "import", str(csv_files["units"]))
    monkeypatch.setattr(sys, "stdin", _Terminal())
    monkeypatch.setattr("builtins.input", lambda prompt: answer)
    code, _, err = run(capsys, "restore", "leer.db")
    assert code == (0 if restored else 1)
    assert rows(database, OrgUnit) == (0 if restored else 2)
    if not restored:
        assert err == ["Fehler: Abgebrochen: es wurde nichts wiederhergestellt."]


@pytest.mark.parametrize(
    ("args", "status", "reason"),
    [
        (["import", "fehlt.xlsx"], 2, "Datei nicht gefunden: fehlt.xlsx"),
        (["import", "Lotsen.csv"], 2, "Datei zu groß (höchstens 20 MB je Import): Lotsen.csv"),
        (["import", "ordner"], 2, "„ordner“ ist ein Verzeichnis, keine Datei."),
        (["import", "notiz.txt"], 1, "Eine CSV-Datei heißt wie ihr Blatt"),
        (["import", "bild.xlsx"], 1, "keine Excel-Arbeitsmappe (.xlsx)"),
        (["export", "alles.csv"], 2, "bitte FILE mit .xlsx"),
        (["export", "fehlt/alles.xlsx"], 2, "Das Verzeichnis gibt es nicht: fehlt"),
        (["export", "ordner"], 2, "„ordner“ ist ein Verzeichnis; bitte einen Dateinamen angeben."),
        (["export", "ordner.xlsx"], 2, "„ordner.xlsx“ ist ein Verzeichnis"),
        (["export", "notiz.txt/alles.xlsx"], 2, "Das Verzeichnis gibt es nicht: notiz.txt"),
        (["backup", "fehlt/stand.db"], 2, "Das Verzeichnis gibt es nicht: fehlt"),
        (["backup", "ordner"], 2, "„ordner“ ist ein Verzeichnis"),
        (["restore", "notiz.txt", "--yes"], 1, "„notiz.txt“ ist keine SQLite-Datenbank"),
        (["restore", "fehlt.db", "--yes"], 2, "Datei nicht gefunden: fehlt.db"),
        (["restore", "ordner", "--yes"], 2, "„ordner“ ist ein Verzeichnis, keine Datei."),
        (["export", "--format", "csv", "alles.xlsx"], 2, "Unbekannte Angabe: --format"),
        (["exportieren"], 2, "COMMAND: 'exportieren' gibt es nicht (möglich: 'migrate'"),
        (["seed", "--scale", "XL"], 2, "--scale: 'XL' gibt es nicht (möglich: 'demo', 'S', 'M', 'L')"),
        (["bench", "--runs", "null"], 2, "--runs: keine positive ganze Zahl: null"),
        (["import"], 2, "Es fehlt die Angabe FILE. Hilfe: python manage.py import --help"),
        ([], 2, "Es fehlt die Angabe COMMAND"),
    ],
)
def test_bad_input_is_one_german_line_exit_2_for_the_call_1_for_the_content(
    database, capsys, tmp_path, args, status, reason
) -> None:
    (tmp_path / "notiz.txt").write_text("Einkaufsliste", encoding="utf-8")
    (tmp_path / "bild.xlsx").write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "Lotsen.csv").write_bytes(b"Name;E-Mail\n" + b"x" * (21 * 1024 * 1024))
    (tmp_path / "ordner").mkdir()
    (tmp_path / "ordner.xlsx").mkdir()
    code, out, err = run(capsys, *args)
    assert code == status
    assert len(err) == 1 and err[0].startswith("Fehler: ")
    assert reason in err[0]
    assert "Traceback" not in err[0] and "error:" not in err[0]
    assert audit(database) == []


def test_the_real_command_line_exits_non_zero_on_errors(database, csv_files) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "import", str(csv_files["bad_pilots"]), "--dry-run"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "Lotsen, Zeile 3, Spalte Stufe:" in result.stdout
    assert result.stderr.strip().splitlines() == [
        "Fehler: 5 Fehler – es wurde nichts importiert."
    ]  # 3× unit 33, Chef, 55


def test_an_unexpected_error_is_one_german_line_with_a_reference_and_the_traceback_goes_to_the_log(
    monkeypatch, capsys, tmp_path
) -> None:
    import re

    def broken(_args) -> None:  # type: ignore[no-untyped-def]
        raise KeyError("code")  # the kind of crash an import once had

    log = tmp_path / "manage-errors.log"
    monkeypatch.setattr(manage, "ERROR_LOG", log)
    monkeypatch.setattr(manage, "cmd_migrate", broken)

    status = manage.main(["migrate"])

    out, err = capsys.readouterr()
    assert status == 1 and out == ""
    (line,) = err.strip().splitlines()
    reference = re.fullmatch(
        r"Fehler: Unerwarteter Fehler (F-[2-9A-HJ-NP-Z]{6}); Einzelheiten stehen in .+\.", line
    )
    assert reference is not None, line
    logged = log.read_text(encoding="utf-8")
    assert (
        reference.group(1) in logged
        and "Traceback (most recent call last)" in logged
        and "KeyError" in logged
    )


UNWRITABLE_CHILD = """
import os, sys

import manage
from model.core import backup  # noqa: F401 (loaded before privileges drop)
from model import exchange  # noqa: F401 (loaded before privileges drop)
from model.core import migrate  # noqa: F401 (loaded before privileges drop)

if os.geteuid() == 0:  # root writes everywhere: become nobody
    os.setgid(65534)
    os.setuid(65534)
for args in (["export", sys.argv[1] + "/alles.xlsx"], ["backup", sys.argv[1] + "/stand.db"],
             ["export", sys.argv[1] + "/vorhanden.xlsx"]):
    print(manage.main(args))
"""


def test_an_unwritable_target_is_one_german_line_with_exit_2(tmp_path) -> None:
    locked = Path(tempfile.mkdtemp(prefix="lotsen-gesperrt-"))
    try:
        (locked / "vorhanden.xlsx").write_bytes(b"")
        (locked / "vorhanden.xlsx").chmod(0o444)
        locked.chmod(0o555)  # nobody may not write here, and as non-root not even the owner
        result = subprocess.run(
            [sys.executable, "-c", UNWRITABLE_CHILD, str(locked)],
            cwd=ROOT,
            env={
                **os.environ,
                "DATABASE_URL": f"sqlite:///{tmp_path / 'lotsen.db'}",
                "PYTHONPATH": str(ROOT),
            },
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        locked.chmod(0o755)
        shutil.rmtree(locked)
    assert result.stdout.split() == ["2", "2", "2"], result.stderr
    assert result.stderr.splitlines() == [
        f"Fehler: Keine Schreibberechtigung für „{locked}/alles.xlsx“.",
        f"Fehler: Keine Schreibberechtigung für „{locked}/stand.db“.",
        f"Fehler: Keine Schreibberechtigung für „{locked}/vorhanden.xlsx“.",
    ]
