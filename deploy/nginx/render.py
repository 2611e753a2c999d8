"""Print the nginx site file for Lotsen-Cockpit: the template lotsen-cockpit.conf.in with a city's values.

    python deploy/nginx/render.py --server-name lotsen.stadt.example \\
        --certificate /etc/ssl/lotsen/fullchain.pem --certificate-key /etc/ssl/private/lotsen.key \\
        --app 127.0.0.1:8501 --app 127.0.0.1:8502 > /etc/nginx/sites-available/lotsen-cockpit

Every value is checked before it lands in the file, so that no value can smuggle in nginx syntax.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

TEMPLATE = Path(__file__).with_name("lotsen-cockpit.conf.in")
DEFAULT_LISTEN = ("", "[::]")
RENDER_ERROR_EXIT = 2
_NAME = re.compile(r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
_ADDRESS = re.compile(r"^(\[[0-9a-f:]+\]|[a-z0-9.-]+)$")
_APP = re.compile(r"^(\[[0-9a-f:]+\]|[a-z0-9.-]+):[0-9]{1,5}$")
_PATH = re.compile(r"^/[A-Za-z0-9._/+-]+$")


class RenderError(ValueError):
    """A value that cannot go into the site file; the message says which and why (German)."""


def public_origin(server_name: str, https_port: int = 443) -> str:
    """The origin browsers see, e.g. https://lotsen.stadt.example (the app's LOTSEN_PUBLIC_ORIGIN)."""
    return f"https://{server_name}" if https_port == 443 else f"https://{server_name}:{https_port}"


def render_site(
    *,
    server_name: str,
    certificate: str,
    certificate_key: str,
    apps: Sequence[str],
    https_port: int = 443,
    http_port: int = 80,
    listen: Sequence[str] = DEFAULT_LISTEN,
    log_dir: str = "/var/log/nginx",
) -> str:
    """The site file's text; RenderError for a value that does not fit."""
    server_name = server_name.lower()
    if not _NAME.match(server_name):
        raise RenderError(f"Ungültiger Servername: {server_name!r} (erwartet z. B. lotsen.stadt.example).")
    for label, path in (("Zertifikat", certificate), ("Schlüssel", certificate_key), ("Log-Ordner", log_dir)):
        if not _PATH.match(path):
            raise RenderError(f"{label}: {path!r} ist kein absoluter Pfad aus Buchstaben, Ziffern und ._/+-.")
    if not apps:
        raise RenderError("Mindestens ein App-Server ist nötig (--app 127.0.0.1:8501).")
    for app in apps:
        if not _APP.match(app.lower()):
            raise RenderError(
                f"Ungültiger App-Server: {app!r} (erwartet Adresse:Port, z. B. 127.0.0.1:8501)."
            )
    for port in (https_port, http_port):
        if not 0 < port < 65536:
            raise RenderError(f"Ungültiger Port: {port}.")
    for address in listen:
        if address and not _ADDRESS.match(address.lower()):
            raise RenderError(f"Ungültige Adresse zum Lauschen: {address!r}.")

    def listen_lines(port: int, options: str) -> str:
        return "\n".join(f"    listen {f'{a}:' if a else ''}{port}{options};" for a in listen)

    values = {
        "SERVER_NAME": server_name,
        "PUBLIC_ORIGIN": public_origin(server_name, https_port),
        "PORT_SUFFIX": "" if https_port == 443 else f":{https_port}",
        "CERTIFICATE": certificate,
        "CERTIFICATE_KEY": certificate_key,
        "LOG_DIR": log_dir.rstrip("/"),
        "APP_SERVERS": "\n".join(f"    server {app};" for app in apps),
        "HTTP_LISTEN": listen_lines(http_port, ""),
        "HTTPS_LISTEN": listen_lines(https_port, " ssl http2 default_server"),
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    left = sorted(set(re.findall(r"@[A-Z_]+@", text)))
    if left:
        raise RenderError(f"Vorlage enthält unbekannte Platzhalter: {', '.join(left)}.")
    return text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Gibt die nginx-Site-Datei für Lotsen-Cockpit aus.")
    parser.add_argument("--server-name", required=True, help="öffentlicher Name, z. B. lotsen.stadt.example")
    parser.add_argument("--certificate", required=True, help="Zertifikat mit Kette (PEM)")
    parser.add_argument("--certificate-key", required=True, help="privater Schlüssel (PEM)")
    parser.add_argument(
        "--app", action="append", required=True, help="App-Server Adresse:Port; mehrfach für mehrere Server"
    )
    parser.add_argument("--https-port", type=int, default=443)
    parser.add_argument("--http-port", type=int, default=80)
    parser.add_argument(
        "--listen", action="append", help="Adresse zum Lauschen (mehrfach); Standard: alle, IPv4 und IPv6"
    )
    parser.add_argument("--log-dir", default="/var/log/nginx")
    args = parser.parse_args(argv)
    try:
        text = render_site(
            server_name=args.server_name,
            certificate=args.certificate,
            certificate_key=args.certificate_key,
            apps=args.app,
            https_port=args.https_port,
            http_port=args.http_port,
            listen=args.listen or DEFAULT_LISTEN,
            log_dir=args.log_dir,
        )
    except RenderError as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return RENDER_ERROR_EXIT
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
