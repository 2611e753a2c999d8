"""Settings read once from the environment (and .streamlit/secrets.toml for secrets)."""

from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRETS_FILE = ROOT / ".streamlit" / "secrets.toml"
DEFAULT_DATABASE_URL = f"sqlite:///{ROOT / 'data' / 'lotsen.db'}"
MIN_COOKIE_KEY_BYTES = 32


@dataclass(frozen=True)
class Settings:
    database_url: str
    demo_mode: bool
    cookie_key: str | None
    cookie_name: str = "lotsen_cockpit_auth"
    cookie_expiry_days: float = 7.0
    login_sleep_time: float = 0.0
    import_max_rows: int = 100_000  # data rows per sheet and import (LOTSEN_IMPORT_MAX_ROWS)


def _secrets_file_value(key: str) -> str | None:
    if not SECRETS_FILE.exists():
        return None
    with SECRETS_FILE.open("rb") as fh:
        value = tomllib.load(fh).get(key)
    return str(value) if value else None


def get_settings() -> Settings:
    """Settings from the environment; secrets may also come from .streamlit/secrets.toml."""
    return Settings(
        database_url=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        demo_mode=os.environ.get("LOTSEN_DEMO", "1") != "0",
        cookie_key=os.environ.get("LOTSEN_COOKIE_KEY") or _secrets_file_value("cookie_key"),
        import_max_rows=int(os.environ.get("LOTSEN_IMPORT_MAX_ROWS") or Settings.import_max_rows),
    )


def ensure_secrets_file() -> bool:
    """Create .streamlit/secrets.toml with a random cookie key if none exists. True if created."""
    if os.environ.get("LOTSEN_COOKIE_KEY") or _secrets_file_value("cookie_key"):
        return False
    SECRETS_FILE.parent.mkdir(parents=True, exist_ok=True)
    existing = SECRETS_FILE.read_text(encoding="utf-8") if SECRETS_FILE.exists() else ""
    SECRETS_FILE.write_text(existing + f'cookie_key = "{secrets.token_urlsafe(48)}"\n', encoding="utf-8")
    SECRETS_FILE.chmod(0o600)
    return True
