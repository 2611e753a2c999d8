"""`python manage.py import FILE [--dry-run] [--accept-renames]` on the demo database: every change
line by line, probable key mix-ups refused until confirmed, row messages for a bad workbook."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

import manage
from model import demo
from model.core.db import dispose_engines, make_engine, read_session
from model.core.migrate import migrate
from model.core.tables import OrgUnit
from tests.model.test_exchange import cell_values, export
from tests.model.test_exchange_files import LIBREOFFICE_BAD, LIBREOFFICE_RENAME
from tests.support.big_imports import bad_rows_csv

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.sqlite_only(reason="the command line runs on a SQLite file of its own")


@pytest.fixture
def database(tmp_path, monkeypatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'lotsen.db'}"
    engine = make_engine(url)
    migrate(engine)
    demo.seed(engine=engine, scale="demo")
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    yield url
    dispose_engines()


def run(capsys, *args: str) -> tuple[int, list[str], list[str]]:
    code = manage.main(list(args))
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err.splitlines()


def unit_10(url: str) -> str:
    engine = make_engine(url)
    try:
        with read_session(engine) as session:
            return session.exec(select(OrgUnit.name).where(OrgUnit.code == "10")).one()
    finally:
        engine.dispose()


def exported(url: str):
    engine = make_engine(url)
    try:
        return cell_values(export(engine))
    finally:
        engine.dispose()


RENAME_LINE = (
    "Organisationseinheiten, Zeile 2, Kürzel 10: Name „Hauptamt“ → „Bürgerbüro Nord“; Art Amt → "
    "Abteilung; Übergeordnet Dez I → 33; Beschäftigte 86 → 12 – wahrscheinlich verwechselter Schlüssel"
)


def test_the_dry_run_names_old_and_new_values_and_refuses_the_mixup_until_confirmed(database, capsys) -> None:
    before = exported(database)

    code, out, err = run(capsys, "import", str(LIBREOFFICE_RENAME), "--dry-run")

    assert code == 1
    assert out[0] == "Organisationseinheiten: 2 Zeilen – 0 neu, 1 geändert, 1 unverändert"
    assert out[1].startswith("Hinweis: Organisationseinheiten, Zeilen 2–3, Spalte Kürzel: Zahlen statt Text")
    assert RENAME_LINE in out
    assert err == [
        "Fehler: Import abgelehnt: 1 Datensatz mit wahrscheinlich verwechseltem Schlüssel "
        "(Organisationseinheiten Kürzel 10); es wurde nichts geschrieben. Bitte die Änderungen prüfen und "
        "die Umbenennungen ausdrücklich bestätigen. Bestätigen mit --accept-renames."
    ]

    code, out, err = run(capsys, "import", str(LIBREOFFICE_RENAME), "--dry-run", "--accept-renames")
    assert (code, err) == (0, [])
    assert RENAME_LINE in out and out[-1] == "Probelauf ohne Fehler: es wurde nichts geschrieben."

    code, _, err = run(capsys, "import", str(LIBREOFFICE_RENAME))
    assert code == 1 and "--accept-renames" in err[0]
    assert exported(database) == before
    assert unit_10(database) == "Hauptamt"


def test_with_accept_renames_the_import_is_written(database, capsys) -> None:
    code, out, err = run(capsys, "import", str(LIBREOFFICE_RENAME), "--accept-renames")
    assert (code, err) == (0, [])
    assert RENAME_LINE in out
    assert out[-1] == "Import abgeschlossen (Organisationseinheiten: 0 neu, 1 geändert)."
    assert unit_10(database) == "Bürgerbüro Nord"


def test_the_real_command_line_prints_row_messages_for_a_libreoffice_workbook(database) -> None:
    before = exported(database)
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "import", str(LIBREOFFICE_BAD), "--accept-renames"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "Organisationseinheiten, Zeile 4, Spalte Kürzel: Pflichtfeld ist leer." in result.stdout
    assert "Lotsen: Das Blatt ist ausgeblendet" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr.strip().splitlines() == ["Fehler: 8 Fehler – es wurde nichts importiert."]
    assert exported(database) == before


def manage_import(database: str, path: Path, *args: str, env: dict[str, str] | None = None):
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "import", str(path), *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database, **(env or {})},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def test_a_million_bad_rows_are_refused_by_the_row_limit_or_listed_500_with_their_count(
    database, tmp_path
) -> None:
    name, content = bad_rows_csv()
    path = tmp_path / name
    path.write_bytes(content)
    before = exported(database)

    refused = manage_import(database, path, "--dry-run")
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.splitlines() == [
        "Fehler: „Organisationseinheiten.csv“ hat mehr als 100.000 Datenzeilen: höchstens 100.000 Zeilen "
        "je Blatt und Import. Bitte die Daten auf mehrere Importe aufteilen. Es wurde nichts geändert."
    ]

    listed = manage_import(database, path, env={"LOTSEN_IMPORT_MAX_ROWS": "1000000"})
    lines = listed.stdout.splitlines()
    assert lines[0] == "Organisationseinheiten: 1000000 Zeilen – 0 neu, 0 geändert, 0 unverändert"
    errors = lines[1:]
    assert len(errors) == 501
    assert errors[0].startswith("Organisationseinheiten, Zeile 2, Spalte Art: „X“ ist kein gültiger Wert.")
    assert errors[499].startswith("Organisationseinheiten, Zeile 501, Spalte Art:")
    assert errors[500] == "… und 999.500 weitere Fehler."
    assert listed.stderr.splitlines() == ["Fehler: 1.000.000 Fehler – es wurde nichts importiert."]
    assert exported(database) == before
