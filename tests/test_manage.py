"""Command line import, export, backup and restore: happy paths, audit rows, one-line refusals."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func
from sqlmodel import select

import manage
from model.db import dispose_engines, make_engine, read_session
from model.migrate import migrate
from model.tables import AuditEntry, OrgUnit, Pilot

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
    try:
        code = manage.main(list(args))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err.splitlines()


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
    ("args", "reason"),
    [
        (["import", "fehlt.xlsx"], "Datei nicht gefunden: fehlt.xlsx"),
        (["import", "Lotsen.csv"], "Datei zu groß (höchstens 20 MB je Import): Lotsen.csv"),
        (["import", "notiz.txt"], "Eine CSV-Datei heißt wie ihr Blatt"),
        (["import", "bild.xlsx"], "keine Excel-Arbeitsmappe (.xlsx)"),
        (["export", "alles.csv"], "bitte FILE mit .xlsx"),
        (["export", "fehlt/alles.xlsx"], "Das Verzeichnis gibt es nicht: fehlt"),
        (["backup", "fehlt/stand.db"], "Das Verzeichnis „fehlt“ gibt es nicht."),
        (["restore", "notiz.txt", "--yes"], "„notiz.txt“ ist keine SQLite-Datenbank"),
        (["restore", "fehlt.db", "--yes"], "Datei nicht gefunden: fehlt.db"),
    ],
)
def test_bad_input_exits_1_with_one_german_line(database, capsys, tmp_path, args, reason) -> None:
    (tmp_path / "notiz.txt").write_text("Einkaufsliste", encoding="utf-8")
    (tmp_path / "bild.xlsx").write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "Lotsen.csv").write_bytes(b"Name;E-Mail\n" + b"x" * (21 * 1024 * 1024))
    code, out, err = run(capsys, *args)
    assert code == 1
    assert len(err) == 1 and err[0].startswith("Fehler: ")
    assert reason in err[0]
    assert audit(database) == []


def test_a_missing_argument_is_one_line_too(database, capsys) -> None:
    code, out, err = run(capsys, "import")
    assert code == 2
    assert err == ["manage.py import: error: the following arguments are required: FILE"]


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
