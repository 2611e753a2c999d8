"""deploy/nginx/render.py: a city's values land in the site file, and none can smuggle in nginx syntax.

That nginx accepts and runs the rendered file is shown through real nginx in tests/e2e/test_two_servers.py.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from deploy.nginx.render import RENDER_ERROR_EXIT, RenderError, render_site
from tests.support.app_server import ROOT

CITY = {
    "server_name": "lotsen.stadt.example",
    "certificate": "/etc/ssl/lotsen/fullchain.pem",
    "certificate_key": "/etc/ssl/private/lotsen.key",
    "apps": ["127.0.0.1:8501", "127.0.0.1:8502"],
}


def test_a_citys_values_fill_the_template() -> None:
    site = render_site(**CITY)
    assert not re.search(r"@[A-Z_]+@", site)
    assert "    server_name lotsen.stadt.example;" in site
    assert "    server 127.0.0.1:8501;\n    server 127.0.0.1:8502;" in site
    assert "    listen 443 ssl http2 default_server;\n    listen [::]:443 ssl http2 default_server;" in site
    assert "return 301 https://lotsen.stadt.example$request_uri;" in site
    assert "proxy_set_header Host $host;" in site


def test_another_port_is_part_of_the_public_origin() -> None:
    site = render_site(**CITY, https_port=8443, http_port=8080, listen=["10.0.0.5"])
    assert "    listen 10.0.0.5:8443 ssl http2 default_server;" in site
    assert "return 301 https://lotsen.stadt.example:8443$request_uri;" in site
    assert "proxy_set_header Host $host:8443;" in site


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("server_name", "lotsen.stadt.example; include /etc/passwd"),
        ("server_name", "lotsen stadt"),
        ("certificate", "/etc/ssl/lotsen/full chain.pem"),
        ("certificate", "etc/ssl/fullchain.pem"),
        ("certificate_key", "/etc/ssl/private/lotsen.key;}"),
        ("apps", ["127.0.0.1:8501; server evil.example:80"]),
        ("apps", ["127.0.0.1"]),
        ("apps", []),
    ],
)
def test_values_that_are_not_plain_are_refused(field: str, value: object) -> None:
    with pytest.raises(RenderError):
        render_site(**{**CITY, field: value})


def test_the_command_line_prints_the_site_or_one_german_line() -> None:
    base = [sys.executable, "deploy/nginx/render.py", "--certificate", CITY["certificate"]]
    base += ["--certificate-key", CITY["certificate_key"], "--app", "127.0.0.1:8501"]
    good = subprocess.run(
        [*base, "--server-name", "lotsen.stadt.example"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert good.returncode == 0, good.stderr
    assert "server_name lotsen.stadt.example;" in good.stdout
    bad = subprocess.run(
        [*base, "--server-name", "a;b"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert bad.returncode == RENDER_ERROR_EXIT
    assert bad.stdout == ""
    assert bad.stderr.startswith("Fehler: Ungültiger Servername") and bad.stderr.count("\n") == 1
