"""Lotsen-Cockpit command line: python manage.py COMMAND [options].

Every command exits 0 on success, else prints one German line "Fehler: …" on stderr (never a
traceback) and exits 2 if it could not be carried out as called (unknown option, missing argument,
a path that does not exist, is a directory or cannot be read or written), 1 if it ran and refused
or failed (import errors, a refused backup, a full or read-only database, an unexpected error).
"""

from __future__ import annotations

import argparse
import errno
import getpass
import os
import re
import sys
import typing
from collections.abc import Callable, Sequence
from pathlib import Path

from model.accounts import auth as auth_store
from model.accounts.auth import AuthError
from model.core.db import StorageError, get_engine, read_session, storage_problem, write_session
from model.core.enums import Role
from model.core.settings import ensure_secrets_file, get_settings, keep_files_private

USAGE = 2  # exit status: the command could not be carried out as called
OS_REASONS = {
    errno.EACCES: "keine Berechtigung",
    errno.EPERM: "keine Berechtigung",
    errno.EISDIR: "das ist ein Verzeichnis, keine Datei",
    errno.ENOTDIR: "ein Teil des Pfads ist kein Verzeichnis",
    errno.ENOENT: "den Pfad gibt es nicht",
    errno.ENOSPC: "der Datenträger ist voll",
    errno.EROFS: "das Dateisystem ist schreibgeschützt",
    errno.EFBIG: "die Datei wird zu groß",
}


class CommandError(Exception):
    """A one-line reason shown to the operator; the command exits with `status` (default 1)."""

    def __init__(self, message: str, *, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def _os_reason(error: OSError) -> str:
    return OS_REASONS.get(
        error.errno or 0, f"Betriebssystemfehler {errno.errorcode.get(error.errno or 0, '?')}"
    )


def _output_path(path: str | Path) -> Path:
    """A file the command may write: its directory exists and is writable, it is no directory."""
    target = Path(path)
    try:
        target.parent.stat()
    except FileNotFoundError:
        raise CommandError(f"Das Verzeichnis gibt es nicht: {target.parent}", status=USAGE) from None
    except OSError as error:
        raise CommandError(
            f"Das Verzeichnis „{target.parent}“ ist nicht erreichbar: {_os_reason(error)}.", status=USAGE
        ) from None
    if target.is_dir():
        raise CommandError(f"„{target}“ ist ein Verzeichnis; bitte einen Dateinamen angeben.", status=USAGE)
    if not target.parent.is_dir():
        raise CommandError(f"Das Verzeichnis gibt es nicht: {target.parent}", status=USAGE)
    if not os.access(target.parent, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise CommandError(f"Keine Schreibberechtigung für „{target}“.", status=USAGE)
    return target


def _write_file(target: Path, data: bytes) -> None:
    try:
        target.write_bytes(data)
    except OSError as error:
        raise CommandError(
            f"„{target}“ konnte nicht geschrieben werden: {_os_reason(error)}.", status=USAGE
        ) from None


class GermanArgumentParser(argparse.ArgumentParser):
    """argparse with its refusals as one German line and exit status 2 (its own messages are English)."""

    TRANSLATIONS = (
        (r"the following arguments are required: (.+)", r"Es fehlt die Angabe \1"),
        (r"unrecognized arguments: (.+)", r"Unbekannte Angabe: \1"),
        (
            r"argument (\S+): invalid choice: (.+?) \(choose from (.+)\)",
            r"\1: \2 gibt es nicht (möglich: \3)",
        ),
        (r"argument (\S+): expected one argument", r"\1 braucht einen Wert"),
        (r"argument (\S+): invalid (\S+) value: (.+)", r"\1: ungültiger Wert \3"),
        (r"ambiguous option: (\S+) could match (.+)", r"Mehrdeutige Angabe \1 (möglich: \2)"),
        (r"argument (\S+): (.+)", r"\1: \2"),
    )

    def error(self, message: str) -> typing.NoReturn:
        for pattern, german in self.TRANSLATIONS:
            if re.fullmatch(pattern, message):
                message = re.sub(pattern, german, message)
                break
        self.exit(USAGE, f"Fehler: {message}. Hilfe: python {self.prog} --help\n")


def cmd_migrate(_: argparse.Namespace) -> None:
    from model.core.migrate import migrate

    migrate(get_engine())
    print("Datenbank ist auf dem neuesten Stand.")


def cmd_seed(args: argparse.Namespace) -> None:
    from model import demo
    from model.core.migrate import migrate

    engine = get_engine()
    migrate(engine)
    try:
        report = demo.seed(engine=engine, scale=args.scale, reset=args.reset, progress=True)
    except (ValueError, RuntimeError) as exc:
        raise CommandError(str(exc)) from exc
    sizes = ", ".join(f"{table}: {count:,}".replace(",", ".") for table, count in report.counts.items())
    print(f"Demo-Daten (Stufe {report.scale}) in {report.seconds:.1f} s angelegt – {sizes}")


def cmd_init(_: argparse.Namespace) -> None:
    """For `make run`: cookie key, schema, and demo data into an empty database in demo mode."""
    from model import demo
    from model.core.migrate import migrate

    if ensure_secrets_file():
        print("Zufälligen Cookie-Schlüssel in .streamlit/secrets.toml angelegt.")
    engine = get_engine()
    migrate(engine)
    if get_settings().demo_mode and demo.is_empty(engine=engine):
        report = demo.seed(engine=engine, scale="demo", progress=True)
        print(f"Demo-Daten angelegt ({report.seconds:.1f} s). Anmeldung z. B. als „cdo“.")


def cmd_create_user(args: argparse.Namespace) -> None:
    from model.core.migrate import migrate

    migrate(get_engine())
    password = os.environ.get("LOTSEN_NEW_PASSWORD") or (
        getpass.getpass("Passwort (mindestens 12 Zeichen): ") if sys.stdin.isatty() else ""
    )
    if not password:
        raise CommandError("Kein Passwort: interaktiv eingeben oder LOTSEN_NEW_PASSWORD setzen.")
    try:
        with write_session() as session:
            auth_store.create_user(
                session=session,
                username=args.username,
                display_name=args.name or args.username,
                role=Role(args.role),
                password=password,
                email=args.email,
                pilot_id=args.pilot_id,
                actor="manage.py",
            )
    except AuthError as exc:
        raise CommandError(str(exc)) from exc
    print(f"Benutzer „{args.username}“ mit der Rolle {args.role} angelegt.")


CLI_ACTOR = "manage.py"  # the audit log's "who" for command-line writes


def _input_path(path: str) -> Path:
    """A file the command may read: it exists, is no directory and is readable."""
    file = Path(path)
    try:
        file.stat()
    except FileNotFoundError:
        raise CommandError(f"Datei nicht gefunden: {path}", status=USAGE) from None
    except OSError as error:
        raise CommandError(f"„{path}“ ist nicht erreichbar: {_os_reason(error)}.", status=USAGE) from None
    if file.is_dir():
        raise CommandError(f"„{path}“ ist ein Verzeichnis, keine Datei.", status=USAGE)
    if not file.is_file():
        raise CommandError(f"Datei nicht gefunden: {path}", status=USAGE)
    if not os.access(file, os.R_OK):
        raise CommandError(f"Keine Leseberechtigung für „{path}“.", status=USAGE)
    return file


def _input_file(path: str, *, max_bytes: int) -> tuple[str, bytes]:
    file = _input_path(path)
    if file.stat().st_size > max_bytes:
        raise CommandError(
            f"Datei zu groß (höchstens {max_bytes // 1024 // 1024} MB je Import): {path}", status=USAGE
        )
    try:
        return file.name, file.read_bytes()
    except OSError as error:
        raise CommandError(
            f"„{path}“ konnte nicht gelesen werden: {_os_reason(error)}.", status=USAGE
        ) from None


def cmd_import(args: argparse.Namespace) -> None:
    from model import exchange
    from model.core.german import fmt_number
    from model.core.migrate import migrate

    files = [_input_file(path, max_bytes=exchange.MAX_UPLOAD_BYTES) for path in args.files]
    migrate(get_engine())
    try:
        parsed = exchange.read_upload(files=files)
    except exchange.UploadError as exc:
        raise CommandError(str(exc)) from exc
    with read_session() as session:
        plan = exchange.plan_import(session=session, parsed=parsed)
    for summary in plan.sheets:
        print(
            f"{summary.sheet}: {summary.rows} Zeilen – {summary.created} neu, {summary.changed} geändert, "
            f"{summary.unchanged} unverändert"
        )
    for notice in plan.notices:
        print(f"Hinweis: {notice.line()}")
    if more_notices := plan.more_notices():
        print(f"Hinweis: {more_notices}.")
    for error in plan.errors:
        print(error.line())
    if more_errors := plan.more_errors():
        print(f"{more_errors}.")
    if plan.error_count:
        raise CommandError(f"{fmt_number(plan.error_count)} Fehler – es wurde nichts importiert.")
    for change in plan.changes:
        print(change.line())
    if plan.mixups and not args.accept_renames:
        raise CommandError(
            str(exchange.RenamesNotConfirmed(plan.mixups)) + " Bestätigen mit --accept-renames."
        )
    if args.dry_run:
        print("Probelauf ohne Fehler: es wurde nichts geschrieben.")
        return
    try:
        with write_session() as session:
            result = exchange.apply_import(
                session=session, plan=plan, actor=CLI_ACTOR, accept_renames=args.accept_renames
            )
    except exchange.ImportRejected as exc:
        for error in exc.errors:
            print(error.line())
        if exc.left_off:
            print(f"{exchange.more_line(exc.left_off, 'Fehler')}.")
        raise CommandError(str(exc)) from exc
    print(result.message())


def cmd_export(args: argparse.Namespace) -> None:
    from model import exchange
    from model.core.migrate import migrate

    target = _output_path(args.file)
    if target.suffix.lower() != ".xlsx":
        raise CommandError(
            f"Der Export wird als Excel-Arbeitsmappe geschrieben; bitte FILE mit .xlsx: {target}",
            status=USAGE,
        )
    migrate(get_engine())
    with read_session() as session:
        data = exchange.export_workbook(session=session)
    _write_file(target, data)
    with write_session() as session:
        exchange.record_export(session=session, actor=CLI_ACTOR, what=str(target))
    print(f"Export geschrieben: {target} ({len(data) / 1024:.0f} KB)")


def cmd_backup(args: argparse.Namespace) -> None:
    from model.core import backup

    requested = _output_path(args.file)
    engine = get_engine()
    try:
        target = backup.backup_to(engine=engine, path=requested)
    except backup.BackupError as exc:
        raise CommandError(str(exc)) from exc
    with write_session() as session:
        backup.record_backup(session=session, actor=CLI_ACTOR, target=str(target))
    print(f"Sicherung geschrieben und geprüft (integrity_check ok): {target}")


def _confirmed_restore(args: argparse.Namespace) -> None:
    if args.yes:
        return
    if not sys.stdin.isatty():
        raise CommandError("Wiederherstellen ersetzt alle Daten; ohne Terminal bitte mit --yes bestätigen.")
    answer = input(f"Alle aktuellen Daten durch „{args.file}“ ersetzen? [j/N] ")
    if answer.strip().lower() not in ("j", "ja", "y", "yes"):
        raise CommandError("Abgebrochen: es wurde nichts wiederhergestellt.")


def cmd_restore(args: argparse.Namespace) -> None:
    from model.core import backup

    _input_path(args.file)
    _confirmed_restore(args)
    try:
        result = backup.restore_from(engine=get_engine(), path=args.file, actor=CLI_ACTOR)
    except backup.BackupError as exc:
        raise CommandError(str(exc)) from exc
    print(f"Wiederhergestellt aus {args.file}; der vorherige Stand liegt in {result.safety_copy}")


def cmd_bench(args: argparse.Namespace) -> None:
    import json

    from bench import runner

    database_url = args.database_url or os.environ.get("DATABASE_URL")
    # An existing database is reported under the scale named for it, else as what it is.
    scale = args.scale or ("DATABASE_URL" if database_url else "S")
    try:
        report = runner.run_bench(
            scale=scale,
            runs=args.runs,
            database_url=database_url,
            paths=args.page,
            progress=runner.print_progress,
            profile_dir=_profile_dir(args.profile),
        )
    except runner.BenchError as exc:
        raise CommandError(str(exc)) from exc
    print(json.dumps(report.as_json(), ensure_ascii=False) if args.json else runner.format_table(report))
    if args.top_sql:
        print(runner.format_slowest(report, args.top_sql), file=sys.stderr)
    if report.errors:
        raise CommandError("Seiten mit Fehlern: " + "; ".join(report.errors))


def _profile_dir(path: str | None) -> Path | None:
    if path is None:
        return None
    try:
        import pyinstrument  # noqa: F401
    except ImportError as exc:
        raise CommandError("--profile braucht pyinstrument (pip install -r requirements-dev.txt).") from exc
    directory = Path(path)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def add_bench_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """bench: page run times against their SQL floor (see bench/runner.py)."""
    bench = commands.add_parser(
        "bench",
        help="Laufzeit jeder Seite je Rolle messen (temporäre Demo-Datenbank oder DATABASE_URL)",
        usage=argparse.SUPPRESS,
    )
    bench.add_argument(
        "--scale",
        choices=["S", "M", "L"],
        help="Stufe der Demo-Daten (Standard S); mit --database-url nur die Bezeichnung im Bericht",
    )
    bench.add_argument("--json", action="store_true", help="ein JSON-Objekt statt der Tabelle")
    bench.add_argument("--runs", type=_positive, default=5, help="Läufe je Seite und Rolle (Median)")
    bench.add_argument("--page", action="append", metavar="PATH", help="nur diese Seite, z. B. roadmap")
    bench.add_argument(
        "--top-sql", type=_positive, metavar="N", help="die N langsamsten SQL-Anweisungen je Seite (stderr)"
    )
    bench.add_argument("--profile", metavar="DIR", help="je Seite und Rolle ein pyinstrument-Profil nach DIR")
    bench.add_argument(
        "--database-url",
        help="vorhandene Datenbank mit Demo-Konten statt einer frisch befüllten (auch über DATABASE_URL)",
    )
    bench.set_defaults(func=cmd_bench)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"keine positive ganze Zahl: {text}")
    return int(text)


def cmd_figures(args: argparse.Namespace) -> None:
    import json

    from model.core.german import fmt_datetime, fmt_number, fmt_percent
    from model.core.migrate import migrate
    from model.overview import figures

    migrate(get_engine())
    try:
        with read_session() as session:
            result = figures.key_figures(session=session, unit_code=args.unit)
    except figures.UnknownUnit as exc:
        raise CommandError(str(exc), status=2) from exc
    if args.json:
        print(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
        return
    scope = "Gesamte Verwaltung" if result.unit is None else f"{result.unit['code']} – {result.unit['name']}"
    lines = [
        f"Kennzahlen: {scope} (Stand {fmt_datetime(result.as_of)})",
        f"Einheiten abgedeckt: {fmt_number(result.units_covered)} von "
        f"{fmt_number(result.units_with_target)} ({fmt_percent(result.coverage_share)})",
        f"Soll-Lotsen: {fmt_number(result.target_total)}, davon erfüllt {fmt_number(result.covered_total)}, "
        f"fehlend {fmt_number(result.missing_total)}",
        f"Lotsinnen und Lotsen im Programm: {fmt_number(result.pilots_current)}, "
        f"davon qualifiziert oder aktiv: {fmt_number(result.pilots_covering)}",
        f"Offene Unterstützungswünsche: {fmt_number(result.open_support_requests)}",
        f"Ohne Statusmeldung seit über 30 Tagen: {fmt_number(result.stale_pilots)}",
    ]
    if result.top_units:
        lines.append("Darunter (Einheiten abgedeckt; Soll-Lotsen erfüllt, fehlend):")
        lines += [
            f"  {unit.code} – {unit.name}: {fmt_number(unit.units_covered)} von "
            f"{fmt_number(unit.units_with_target)}; {fmt_number(unit.covered)} von "
            f"{fmt_number(unit.target)}, {fmt_number(unit.missing)} fehlend"
            for unit in result.top_units
        ]
    print("\n".join(lines))


def add_figures_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    figures = commands.add_parser(
        "figures",
        help="Kennzahlen wie auf Übersicht und Abdeckung (gesamt oder für eine Einheit)",
        usage=argparse.SUPPRESS,
    )
    figures.add_argument("--unit", metavar="KÜRZEL", help="nur diese Einheit und alles darunter")
    figures.add_argument("--json", action="store_true", help="ein JSON-Objekt statt Text")
    figures.set_defaults(func=cmd_figures)


def add_exchange_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """import, export, backup, restore (Verwaltung → Import/Export and Sicherung on the command line)."""
    # usage=SUPPRESS: a wrong call prints one line (the reason), not usage plus reason.
    importer = commands.add_parser(
        "import", help="Arbeitsmappe (.xlsx) oder CSV-Dateien je Blatt importieren", usage=argparse.SUPPRESS
    )
    importer.add_argument("files", nargs="+", metavar="FILE")
    importer.add_argument("--dry-run", action="store_true", help="nur prüfen, nichts schreiben")
    importer.add_argument(
        "--accept-renames",
        action="store_true",
        help="Datensätze schreiben, deren Name und Zuordnung sich zugleich ändern (wahrscheinlich "
        "verwechselter Schlüssel)",
    )
    importer.set_defaults(func=cmd_import)

    exporter = commands.add_parser(
        "export", help="alle Daten im Austauschformat als .xlsx", usage=argparse.SUPPRESS
    )
    exporter.add_argument("file", metavar="FILE")
    exporter.set_defaults(func=cmd_export)

    backup = commands.add_parser(
        "backup", help="geprüfte Sicherung der SQLite-Datenbank schreiben", usage=argparse.SUPPRESS
    )
    backup.add_argument("file", metavar="FILE")
    backup.set_defaults(func=cmd_backup)

    restore = commands.add_parser(
        "restore", help="Sicherung einspielen (vorher wird der Stand gesichert)", usage=argparse.SUPPRESS
    )
    restore.add_argument("file", metavar="FILE")
    restore.add_argument("--yes", action="store_true", help="ohne Rückfrage wiederherstellen")
    restore.set_defaults(func=cmd_restore)


def build_parser() -> argparse.ArgumentParser:
    parser = GermanArgumentParser(prog="manage.py", description="Lotsen-Cockpit Verwaltung")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser("migrate", help="Datenbankschema aktualisieren").set_defaults(func=cmd_migrate)
    commands.add_parser("init", help="Schlüssel, Schema und (im Demo-Modus) Demo-Daten").set_defaults(
        func=cmd_init
    )

    seed = commands.add_parser("seed", help="Demo-Stadt anlegen")
    seed.add_argument("--scale", default="demo", choices=["demo", "S", "M", "L"])
    seed.add_argument("--reset", action="store_true", help="vorhandene Daten vorher löschen")
    seed.set_defaults(func=cmd_seed)

    user = commands.add_parser("create-user", help="Benutzer anlegen (Passwort wird abgefragt)")
    user.add_argument("username")
    user.add_argument("--role", required=True, choices=[r.value for r in Role])
    user.add_argument("--name", help="Anzeigename")
    user.add_argument("--email")
    user.add_argument("--pilot-id", type=int, help="verknüpfte Lotsin / verknüpfter Lotse (id)")
    user.set_defaults(func=cmd_create_user)
    add_exchange_commands(commands)
    add_figures_command(commands)
    add_bench_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    keep_files_private()
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], None] = args.func
    try:
        func(args)
    except CommandError as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return exc.status
    except StorageError as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # one German line for the operator; the traceback goes to the log file
        problem = storage_problem(exc)  # e.g. a migration on a read-only database
        if problem is not None:
            print(f"Fehler: {problem}", file=sys.stderr)
            return 1
        try:
            reference = _log_unexpected()
        except OSError:
            print(
                f"Fehler: Unerwarteter Fehler; das Protokoll {ERROR_LOG} ist nicht beschreibbar.",
                file=sys.stderr,
            )
            return 1
        print(
            f"Fehler: Unerwarteter Fehler {reference}; Einzelheiten stehen in {ERROR_LOG}.", file=sys.stderr
        )
        return 1
    return 0


ERROR_LOG = Path("data") / "manage-errors.log"


def _log_unexpected() -> str:
    """Append the exception being handled to ERROR_LOG under a new reference number."""
    import traceback
    from datetime import datetime

    from model.core.errors import new_reference

    reference = new_reference()
    log = Path(__file__).resolve().parent / ERROR_LOG
    log.parent.mkdir(exist_ok=True)
    with log.open("a", encoding="utf-8") as file:
        file.write(f"--- {reference} {datetime.now().isoformat(timespec='seconds')}\n")
        file.write(traceback.format_exc())
    return reference


if __name__ == "__main__":
    sys.exit(main())
