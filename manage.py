"""Lotsen-Cockpit command line: python manage.py COMMAND [options].

Every command exits 0 on success and non-zero with a one-line German reason on bad input.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Sequence

from model import auth_store
from model.auth_store import AuthError
from model.db import get_engine, write_session
from model.enums import Role
from model.settings import ensure_secrets_file, get_settings


class CommandError(Exception):
    """A one-line reason shown to the operator; the command exits with status 1."""


def cmd_migrate(_: argparse.Namespace) -> None:
    from model.migrate import migrate

    migrate(get_engine())
    print("Datenbank ist auf dem neuesten Stand.")


def cmd_seed(args: argparse.Namespace) -> None:
    from model import demo
    from model.migrate import migrate

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
    from model.migrate import migrate

    if ensure_secrets_file():
        print("Zufälligen Cookie-Schlüssel in .streamlit/secrets.toml angelegt.")
    engine = get_engine()
    migrate(engine)
    if get_settings().demo_mode and demo.is_empty(engine=engine):
        report = demo.seed(engine=engine, scale="demo", progress=True)
        print(f"Demo-Daten angelegt ({report.seconds:.1f} s). Anmeldung z. B. als „cdo“.")


def cmd_create_user(args: argparse.Namespace) -> None:
    from model.migrate import migrate

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="manage.py", description="Lotsen-Cockpit Verwaltung")
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], None] = args.func
    try:
        func(args)
    except CommandError as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
