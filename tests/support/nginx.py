"""A real nginx in front of real app servers: the site file of deploy/nginx under a temporary prefix.

`proxied_app_servers` starts app servers from tests/support/app_server.py on one database URL with shared
secrets, renders the site file with deploy/nginx/render.py for them, and runs Debian's nginx in the
foreground with a throwaway certificate authority made here. Everything is torn down afterwards.
"""

from __future__ import annotations

import base64
import datetime
import http.client
import ipaddress
import os
import re
import secrets
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.support.app_server import ROOT, free_port, new_cookie_key, stop_group, streamlit_server

NGINX = Path("/usr/sbin/nginx")
RENDER = ROOT / "deploy" / "nginx" / "render.py"
# An address, not a name: browsers keep no HSTS for IP addresses, so no other test's browser context
# is sent to HTTPS by what this proxy answered.
SERVER_NAME = "127.0.0.1"
ROUTE_COOKIE = "lotsen_route"
STARTUP_TIMEOUT = 30.0
LOG_TIMEOUT = 10.0

# The http block as Debian's /etc/nginx/nginx.conf has it (the site must hold under these), with every
# path under the prefix, so that nginx runs without root and touches nothing outside it.
MAIN_CONF = """\
daemon off;
master_process on;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/main.error.log;
{user}
events {{
    worker_connections 512;
}}
http {{
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers on;
    access_log {prefix}/logs/main.access.log;
    gzip on;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    include {prefix}/lotsen-cockpit.conf;
}}
"""


def missing_reason() -> str | None:
    if not NGINX.exists():
        return "nginx not found (/usr/sbin/nginx); install Debian's `nginx` (make system-deps)."
    return None


@dataclass(frozen=True)
class TestCertificates:
    ca_file: Path
    certificate: Path
    key: Path


def make_certificates(directory: Path, *, server_name: str = SERVER_NAME) -> TestCertificates:
    """A throwaway CA and a server certificate it signed for `server_name` (an IP address), valid one day."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Lotsen-Cockpit Test-CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, server_name)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(server_name))]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    certificates = TestCertificates(
        ca_file=directory / "test-ca.pem", certificate=directory / "server.pem", key=directory / "server.key"
    )
    certificates.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    certificates.certificate.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    certificates.key.touch(mode=0o600)
    certificates.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return certificates


@dataclass(frozen=True)
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> list[str]:
        """Every value of header `name` (case-insensitive), in the order sent."""
        return [value for key, value in self.headers if key.lower() == name.lower()]


@dataclass(frozen=True)
class NginxProxy:
    """A running nginx: `origin` is the public HTTPS origin, `http_url` the plain-HTTP port."""

    origin: str
    http_url: str
    app_servers: tuple[str, ...]
    ca_file: Path
    prefix: Path

    @property
    def https_port(self) -> int:
        return int(self.origin.rsplit(":", 1)[1])

    @property
    def http_port(self) -> int:
        return int(self.http_url.rsplit(":", 1)[1])

    @property
    def access_log(self) -> Path:
        return self.prefix / "logs" / "lotsen-cockpit.access.log"

    @property
    def error_log(self) -> Path:
        return self.prefix / "logs" / "lotsen-cockpit.error.log"

    def tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file))

    def connection(self, *, source: str = "127.0.0.1", tls: bool = True) -> http.client.HTTPConnection:
        """A new connection to the proxy from client address `source` (any 127.x.y.z on Linux)."""
        if tls:
            return http.client.HTTPSConnection(
                SERVER_NAME,
                self.https_port,
                context=self.tls_context(),
                source_address=(source, 0),
                timeout=30,
            )
        return http.client.HTTPConnection(SERVER_NAME, self.http_port, source_address=(source, 0), timeout=30)

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        source: str = "127.0.0.1",
        tls: bool = True,
    ) -> Response:
        connection = self.connection(source=source, tls=tls)
        try:
            connection.request(method, path, body=body, headers=dict(headers or {}))
            return read_response(connection)
        finally:
            connection.close()

    def announce_body(self, method: str, path: str, length: int) -> Response:
        """A request that announces a body of `length` bytes and sends none: nginx judges the size first."""
        connection = self.connection()
        try:
            connection.putrequest(method, path)
            connection.putheader("Content-Length", str(length))
            connection.endheaders()
            return read_response(connection)
        finally:
            connection.close()

    def open_stream(self, *, source: str = "127.0.0.1") -> tuple[int, http.client.HTTPConnection]:
        """A WebSocket handshake on /_stcore/stream as a browser sends it; the status and the open
        connection (101: the socket is now the WebSocket; close it to end the session)."""
        connection = self.connection(source=source)
        connection.request(
            "GET",
            "/_stcore/stream",
            headers={
                "Upgrade": "websocket",
                "Connection": "Upgrade",
                "Sec-WebSocket-Key": base64.b64encode(secrets.token_bytes(16)).decode(),
                "Sec-WebSocket-Version": "13",
                "Sec-WebSocket-Protocol": "streamlit",
                "Origin": self.origin,
            },
        )
        response = connection.getresponse()
        if response.status != 101:
            response.read()
        return response.status, connection

    def upstream_for(self, route: str) -> str:
        """The app server (host:port) that nginx sends a browser with route cookie `route` to."""
        probe = uuid.uuid4().hex
        response = self.request(
            "GET", f"/_stcore/health?probe={probe}", headers={"Cookie": f"{ROUTE_COOKIE}={route}"}
        )
        assert response.status == 200, response
        return self.log_entry(f"probe={probe}")["upstream"]

    def log_entry(self, marker: str) -> dict[str, str]:
        """The access-log line containing `marker`, as a dict: request, status, upstream, route.

        nginx writes the line right after the response, possibly a moment after the client has read it.
        """
        deadline = time.monotonic() + LOG_TIMEOUT
        while True:
            for line in self.access_log.read_text(encoding="utf-8").splitlines():
                if marker in line:
                    return parse_log_line(line)
            if time.monotonic() > deadline:
                raise AssertionError(f"no access-log line with {marker!r} within {LOG_TIMEOUT:.0f} s")
            time.sleep(0.05)

    def log_entries(self) -> list[dict[str, str]]:
        return [parse_log_line(line) for line in self.access_log.read_text(encoding="utf-8").splitlines()]

    def logs(self, limit: int = 6000) -> str:
        """The tails of nginx's error logs (shown when a test fails)."""
        parts = []
        for path in (self.prefix / "logs" / "main.error.log", self.error_log):
            if path.exists():
                parts.append(
                    f"--- {path.name}\n{path.read_text(encoding='utf-8', errors='replace')[-limit:]}"
                )
        return "\n".join(parts)


_LOG_LINE = re.compile(
    r'^(?P<client>\S+) \[[^\]]+\] "(?P<request>[^"]*)" (?P<status>\d{3}) \d+ \S+ '
    r"upstream=(?P<upstream>\S+) route=(?P<route>\S+)$"
)


def parse_log_line(line: str) -> dict[str, str]:
    match = _LOG_LINE.match(line)
    assert match, f"unexpected access-log line: {line!r}"
    return match.groupdict()


def read_response(connection: http.client.HTTPConnection) -> Response:
    response = connection.getresponse()
    return Response(status=response.status, headers=response.getheaders(), body=response.read())


def _ready(proxy: NginxProxy) -> bool:
    try:
        response = proxy.request("GET", "/_stcore/health")
    except (OSError, http.client.HTTPException):
        return False
    return response.status == 200


@contextmanager
def nginx_proxy(
    app_servers: Sequence[str], *, https_port: int | None = None, http_port: int | None = None
) -> Iterator[NginxProxy]:
    """Run nginx with deploy/nginx's site file in front of `app_servers` (base URLs http://host:port)."""
    reason = missing_reason()
    if reason is not None:
        raise RuntimeError(reason)
    # Not under pytest's tmp_path (mode 700): nginx's worker may run as another user and needs its temp dirs.
    prefix = Path(tempfile.mkdtemp(prefix="nginx-"))
    try:
        prefix.chmod(0o755)
        for directory in ("logs", "tmp", "tls"):
            (prefix / directory).mkdir()
        certificates = make_certificates(prefix / "tls")
        https_port = https_port or free_port()
        http_port = http_port or free_port()
        rendered = subprocess.run(
            [
                sys.executable,
                str(RENDER),
                "--server-name",
                SERVER_NAME,
                "--certificate",
                str(certificates.certificate),
                "--certificate-key",
                str(certificates.key),
                *[arg for url in app_servers for arg in ("--app", url.removeprefix("http://"))],
                "--https-port",
                str(https_port),
                "--http-port",
                str(http_port),
                "--listen",
                SERVER_NAME,
                "--log-dir",
                str(prefix / "logs"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if rendered.returncode != 0:
            raise RuntimeError(f"deploy/nginx/render.py failed: {rendered.stderr}")
        (prefix / "lotsen-cockpit.conf").write_text(rendered.stdout, encoding="utf-8")
        # As root, nginx's workers would run as "nobody", who cannot read pytest's temp dirs.
        user = "user root;" if os.geteuid() == 0 else ""
        (prefix / "nginx.conf").write_text(MAIN_CONF.format(prefix=prefix, user=user), encoding="utf-8")
        command = [
            str(NGINX),
            "-p",
            str(prefix),
            "-c",
            str(prefix / "nginx.conf"),
            "-e",
            "logs/main.error.log",
        ]
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
        if checked.returncode != 0:
            raise RuntimeError(f"nginx -t refused the configuration:\n{checked.stderr}")
        proxy = NginxProxy(
            origin=f"https://{SERVER_NAME}:{https_port}",
            http_url=f"http://{SERVER_NAME}:{http_port}",
            app_servers=tuple(app_servers),
            ca_file=certificates.ca_file,
            prefix=prefix,
        )
        output = prefix / "logs" / "nginx.out"
        with output.open("wb") as out:
            process = subprocess.Popen(
                command, cwd=prefix, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT
            while not _ready(proxy):
                if process.poll() is not None or time.monotonic() > deadline:
                    state = (
                        "exited" if process.poll() is not None else f"not ready after {STARTUP_TIMEOUT:.0f} s"
                    )
                    raise RuntimeError(
                        f"nginx on {proxy.origin} {state}.\n{output.read_text()}\n{proxy.logs()}"
                    )
                time.sleep(0.1)
            yield proxy
        finally:
            stop_group(process)
    finally:
        shutil.rmtree(prefix, ignore_errors=True)


@contextmanager
def proxied_app_servers(
    database_url: str, *, count: int = 2, env: Mapping[str, str] | None = None
) -> Iterator[NginxProxy]:
    """`count` app servers on `database_url` with the same secrets, behind nginx; yields the proxy.

    The app servers learn the public origin (LOTSEN_PUBLIC_ORIGIN) before nginx starts on its port.
    """
    https_port = free_port()
    shared = {
        "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_urlsafe(32),
        "LOTSEN_PUBLIC_ORIGIN": f"https://{SERVER_NAME}:{https_port}",
        **(env or {}),
    }
    cookie_key = new_cookie_key()
    with ExitStack() as stack:
        servers = [
            stack.enter_context(streamlit_server(database_url, cookie_key=cookie_key, env=shared))
            for _ in range(count)
        ]
        yield stack.enter_context(nginx_proxy(servers, https_port=https_port))
