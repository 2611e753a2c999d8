"""Security events in the server log: who did what, never a password and no personal data beyond
the user name.

One line per event on stderr (the server log, journald under systemd), logger "lotsen_cockpit.security":

    2026-12-07 22:41:03 WARNING lotsen_cockpit.security: login_failed user=anna.schmidt client=10.0.0.7

Kinds in use: login_failed, login_delayed, login_succeeded, account_unlocked, role_changed,
account_deactivated, sessions_revoked, restore_done, restore_refused, personal_export,
origin_refused, anonymous_refused. Values are shown with repr() where they hold spaces or
line breaks, so one event is always one line (a user name cannot forge a second event).
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

LOGGER_NAME = "lotsen_cockpit.security"


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to the sys.stderr of the moment (a test's capture may replace it after import)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


def _configure() -> logging.Logger:
    logger = logging.getLogger(LOGGER_NAME)
    if not logger.handlers:
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


LOG = _configure()


def _value(value: object) -> str:
    text = str(value)
    if not text or any(ch.isspace() or ch in "=\"'" for ch in text):
        return repr(text)
    return text


def security_event(kind: str, *, user: str | None = None, warning: bool = True, **details: object) -> None:
    """Write one security event. `details` hold no passwords and no personal data but user names."""
    parts = [kind]
    if user is not None:
        parts.append(f"user={_value(user)}")
    parts += [f"{key}={_value(value)}" for key, value in details.items() if value is not None]
    LOG.log(logging.WARNING if warning else logging.INFO, " ".join(parts))
