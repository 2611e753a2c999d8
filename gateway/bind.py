"""`make run`'s address: loopback while demo mode is on (its passwords are published).

Prints the address on stdout and, in demo mode, a German note on stderr how to serve on the network.
"""

from __future__ import annotations

import sys

from model.core.settings import get_settings

LOOPBACK = "127.0.0.1"
ALL_INTERFACES = "0.0.0.0"  # noqa: S104 (outside demo mode, as before)
NOTE = (
    "Demo-Modus: Die Anwendung ist nur auf diesem Rechner erreichbar (http://localhost:{port}), "
    "denn die Demo-Zugänge haben ein veröffentlichtes Passwort.\n"
    "Für den Betrieb im Netz: eigenen Zugang anlegen (LOTSEN_DEMO=0 python manage.py create-user NAME "
    "--role admin) und mit LOTSEN_DEMO=0 make run starten, am besten hinter dem Reverse Proxy "
    "(README, „Betrieb und Sicherheit“)."
)


def serve_address() -> str:
    return LOOPBACK if get_settings().demo_mode else ALL_INTERFACES


def main(argv: list[str]) -> int:
    address = serve_address()
    if address == LOOPBACK:
        port = argv[1] if len(argv) > 1 else "8501"
        print(NOTE.format(port=port), file=sys.stderr)
    print(address)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
