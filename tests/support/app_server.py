"""A real Streamlit server for browser tests: free port, own database URL, torn down afterwards.

Two servers can share one database: call `streamlit_server` twice with the same URL and cookie key.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 60.0
APP_RUN_TIMEOUT = 30.0
STABLE_FOR = 0.5
APP_ROOT = "[data-testid='stApp']"


def new_cookie_key() -> str:
    """A random cookie signing key, well over the 32 bytes the app demands."""
    return secrets.token_urlsafe(48)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:  # noqa: S310
            return response.status == 200 and response.read().decode().strip() == "ok"
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """End a process started with start_new_session: SIGTERM to its group, SIGKILL after 10 s."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@contextmanager
def streamlit_server(
    database_url: str,
    *,
    cookie_key: str | None = None,
    env: Mapping[str, str] | None = None,
    log_file: Path | None = None,
    timeout: float = STARTUP_TIMEOUT,
    script: str = "serve.py",
) -> Iterator[str]:
    """Run `streamlit run serve.py` (app.py behind its gateway) against `database_url`; yield its base
    URL, e.g. http://127.0.0.1:PORT. `script="app.py"` serves the app without the gateway.

    The server's output goes to `log_file` (kept), or to a temp file deleted afterwards.
    """
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server_env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "LOTSEN_COOKIE_KEY": cookie_key or new_cookie_key(),
        "LOTSEN_DEMO": "1",
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        script,
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    log_path = log_file or Path(tempfile.mkstemp(prefix="streamlit-", suffix=".log")[1])
    with log_path.open("wb") as log:
        # Own process group, so that teardown ends Streamlit and anything it started.
        process = subprocess.Popen(
            command, cwd=ROOT, env=server_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + timeout
        while not _healthy(base_url):
            if process.poll() is not None or time.monotonic() > deadline:
                reason = "exited" if process.poll() is not None else f"not healthy after {timeout:.0f} s"
                tail = log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
                raise RuntimeError(f"Streamlit server on {base_url} {reason}. Log:\n{tail}")
            time.sleep(0.2)
        yield base_url
    finally:
        stop_group(process)
        if log_file is None:
            log_path.unlink(missing_ok=True)


def wait_for_app(page: Page, *, timeout: float = APP_RUN_TIMEOUT) -> None:
    """Wait until the script run is over and stays over for STABLE_FOR seconds.

    A page's script may draw a fragment or rerun itself after a write: one "notRunning" need not
    be the final screen.
    """
    deadline = time.monotonic() + timeout
    stable_since: float | None = None
    while True:
        state = page.evaluate(
            """(selector) => {
                const app = document.querySelector(selector);
                return app && [app.dataset.testScriptState, app.dataset.testConnectionState];
            }""",
            APP_ROOT,
        )
        now = time.monotonic()
        if state and state[0] == "notRunning" and state[1] in (None, "CONNECTED"):
            stable_since = stable_since or now
            if now - stable_since >= STABLE_FOR:
                return
        else:
            stable_since = None
        if now > deadline:
            raise TimeoutError(f"App did not settle within {timeout:.0f} s (last state: {state})")
        page.wait_for_timeout(50)
