"""A throwaway PostgreSQL server for tests, run as the `postgres` OS user in a temp directory.

pytest-postgresql's own server refuses to start as root, so this starts one with initdb/pg_ctl
(trust auth, TCP on 127.0.0.1 and a socket in the temp dir) and hands out fresh databases.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

OS_USER = "postgres"
SUPERUSER = "postgres"
# LOTSEN_TEST_DB=postgres runs the `engine` and `demo_database` fixtures on a throwaway server.
TEST_DB_VARIABLE = "LOTSEN_TEST_DB"


def requested() -> bool:
    """True if this test run should use PostgreSQL instead of SQLite (LOTSEN_TEST_DB=postgres)."""
    value = os.environ.get(TEST_DB_VARIABLE, "sqlite")
    if value not in ("sqlite", "postgres"):
        raise ValueError(f"{TEST_DB_VARIABLE} must be 'sqlite' or 'postgres', not {value!r}")
    return value == "postgres"


def find_bin_dir() -> Path | None:
    """The newest Debian PostgreSQL bin dir (or the one of pg_ctl on PATH), if installed."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
    for candidate in reversed(candidates):
        if (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


def missing_reason() -> str | None:
    """Why a throwaway server cannot start here, or None if it can."""
    if find_bin_dir() is None:
        return "PostgreSQL binaries (initdb, pg_ctl) not found; install Debian's `postgresql`."
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(OS_USER)
        except KeyError:
            return f"running as root, but there is no `{OS_USER}` OS user to run PostgreSQL as."
    return None


@dataclass
class PgServer:
    bin_dir: Path
    base_dir: Path
    port: int
    host: str = "127.0.0.1"

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def socket_dir(self) -> Path:
        return self.base_dir / "socket"

    @property
    def log_file(self) -> Path:
        return self.base_dir / "server.log"

    def url(self, dbname: str = "postgres") -> str:
        """SQLAlchemy URL of `dbname` on this server (psycopg 3 driver)."""
        return f"postgresql+psycopg://{SUPERUSER}@{self.host}:{self.port}/{dbname}"

    def _connect(self) -> psycopg.Connection:
        return psycopg.connect(
            host=self.host, port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True
        )

    def create_database(self, prefix: str = "test", *, template: str | None = None) -> str:
        """Create a fresh database (empty, or a copy of the database `template` URL); return its URL.

        Copying a migrated template is faster than migrating again.
        """
        dbname = f"{prefix}_{uuid.uuid4().hex[:12]}"
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname))
        if template is not None:
            source = sql.Identifier(template.rsplit("/", 1)[-1])
            statement = sql.SQL("{} TEMPLATE {} STRATEGY FILE_COPY").format(statement, source)
        with self._connect() as conn:
            conn.execute(statement)
        return self.url(dbname)

    def empty_database(self, url_or_name: str) -> None:
        """Delete every row but Alembic's version and restart the id sequences, as if newly migrated.

        Ten times faster than creating a database per test; connections a test left open are ended.
        """
        dbname = url_or_name.rsplit("/", 1)[-1]
        with psycopg.connect(
            host=self.host, port=self.port, user=SUPERUSER, dbname=dbname, autocommit=True
        ) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            with conn.transaction():
                # Replica mode skips the foreign-key triggers, so the order of the deletes does not matter.
                conn.execute("SET LOCAL session_replication_role = replica")
                tables = conn.execute(
                    "SELECT tablename FROM pg_tables"
                    " WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                ).fetchall()
                for (table,) in tables:
                    conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table)))
                sequences = conn.execute(
                    "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
                ).fetchall()
                for (sequence,) in sequences:
                    conn.execute(sql.SQL("ALTER SEQUENCE {} RESTART").format(sql.Identifier(sequence)))

    def drop_database(self, url_or_name: str) -> None:
        dbname = url_or_name.rsplit("/", 1)[-1]
        with self._connect() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))


def _run(command: list[str], *, as_postgres: bool) -> None:
    if as_postgres:
        command = ["runuser", "-u", OS_USER, "--", *command]
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")


def start() -> PgServer:
    """initdb + pg_ctl start in a new temp dir; raises RuntimeError with the output on failure."""
    if (reason := missing_reason()) is not None:
        raise RuntimeError(reason)
    bin_dir = find_bin_dir()
    assert bin_dir is not None
    # Imported here: app_server pulls in Playwright, which SQLite-only test runs do not need.
    from tests.support.app_server import free_port

    server = PgServer(bin_dir=bin_dir, base_dir=Path(tempfile.mkdtemp(prefix="lotsen-pg-")), port=free_port())
    server.socket_dir.mkdir()
    as_postgres = os.geteuid() == 0
    if as_postgres:
        entry = pwd.getpwnam(OS_USER)
        for path in (server.base_dir, server.socket_dir):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    try:
        _run(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(server.data_dir),
                "-A",
                "trust",
                "-U",
                SUPERUSER,
                "-E",
                "UTF8",
                "--no-sync",
            ],
            as_postgres=as_postgres,
        )
        options = f"-p {server.port} -k {server.socket_dir} -h {server.host} -c fsync=off"
        _run(
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(server.data_dir),
                "-l",
                str(server.log_file),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ],
            as_postgres=as_postgres,
        )
    except Exception:
        stop(server)
        raise
    return server


def stop(server: PgServer) -> None:
    """Stop the server (fast shutdown) and delete its directory."""
    if (server.data_dir / "postmaster.pid").exists():
        _run(
            [str(server.bin_dir / "pg_ctl"), "-D", str(server.data_dir), "-m", "fast", "-w", "stop"],
            as_postgres=os.geteuid() == 0,
        )
    shutil.rmtree(server.base_dir, ignore_errors=True)
