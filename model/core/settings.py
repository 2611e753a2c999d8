"""Settings read once from the environment (and .streamlit/secrets.toml for secrets)."""

from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECRETS_FILE = ROOT / ".streamlit" / "secrets.toml"
DEFAULT_DATABASE_URL = f"sqlite:///{ROOT / 'data' / 'lotsen.db'}"
MIN_COOKIE_KEY_BYTES = 32


@dataclass(frozen=True)
class Settings:
    database_url: str
    demo_mode: bool
    cookie_key: str | None
    cookie_name: str = "lotsen_cockpit_auth"
    # How long a login counts at most (from its issue, whatever the cookie says) and without activity.
    max_login_age_admin_hours: float = 12.0
    max_login_age_hours: float = 7 * 24.0
    idle_timeout_admin_minutes: float = 120.0
    idle_timeout_minutes: float = 0.0  # 0: no idle timeout for leitung and Lotsen
    # Proxies whose X-Forwarded-For names the client (nginx on this host by default).
    trusted_proxies: frozenset[str] = frozenset({"127.0.0.1", "::1"})
    import_max_rows: int = 100_000  # data rows per sheet and import (LOTSEN_IMPORT_MAX_ROWS)


def _secrets_file_value(key: str) -> str | None:
    if not SECRETS_FILE.exists():
        return None
    with SECRETS_FILE.open("rb") as fh:
        value = tomllib.load(fh).get(key)
    return str(value) if value else None


def _number(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name) or default)
    except ValueError:
        return default
    return value if value >= 0 else default


def get_settings() -> Settings:
    """Settings from the environment; secrets may also come from .streamlit/secrets.toml."""
    proxies = os.environ.get("LOTSEN_TRUSTED_PROXIES")
    return Settings(
        database_url=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        demo_mode=os.environ.get("LOTSEN_DEMO", "1") != "0",
        cookie_key=os.environ.get("LOTSEN_COOKIE_KEY") or _secrets_file_value("cookie_key"),
        max_login_age_admin_hours=_number("LOTSEN_LOGIN_MAX_AGE_ADMIN_HOURS", 12.0),
        max_login_age_hours=_number("LOTSEN_LOGIN_MAX_AGE_HOURS", 7 * 24.0),
        idle_timeout_admin_minutes=_number("LOTSEN_IDLE_TIMEOUT_ADMIN_MINUTES", 120.0),
        idle_timeout_minutes=_number("LOTSEN_IDLE_TIMEOUT_MINUTES", 0.0),
        trusted_proxies=(
            frozenset(part.strip() for part in proxies.split(",") if part.strip())
            if proxies is not None
            else frozenset({"127.0.0.1", "::1"})
        ),
        import_max_rows=int(_number("LOTSEN_IMPORT_MAX_ROWS", Settings.import_max_rows)),
    )


def keep_files_private() -> None:
    """Files this process creates (database, WAL, SHM, backups, exports, logs) get mode 600.

    Called first by app.py and manage.py; the service user is the only one who reads them.
    """
    os.umask(0o077)


def ensure_secrets_file() -> bool:
    """Create .streamlit/secrets.toml with a random cookie key if none exists. True if created."""
    if os.environ.get("LOTSEN_COOKIE_KEY") or _secrets_file_value("cookie_key"):
        return False
    SECRETS_FILE.parent.mkdir(parents=True, exist_ok=True)
    existing = SECRETS_FILE.read_text(encoding="utf-8") if SECRETS_FILE.exists() else ""
    SECRETS_FILE.write_text(existing + f'cookie_key = "{secrets.token_urlsafe(48)}"\n', encoding="utf-8")
    SECRETS_FILE.chmod(0o600)
    return True
