"""The one clock of the model, so tests can move time (lockout, revocation, staleness)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL_TIMEZONE = ZoneInfo("Europe/Berlin")


def now() -> datetime:
    """Current time, timezone-aware in UTC (SQLModel stores aware datetimes as UTC)."""
    return datetime.now(UTC)


def today() -> date:
    """Today's date where the administration works (Germany), not in UTC."""
    return now().astimezone(LOCAL_TIMEZONE).date()
