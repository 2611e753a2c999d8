"""Security events: one line each, whatever a user name holds."""

from __future__ import annotations

import logging

import pytest

from model.core.security_log import LOGGER_NAME, security_event


def test_one_event_is_one_line_even_for_a_forged_user_name(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger=LOGGER_NAME):  # caplog listens on this logger itself
        forged = "x\n2026-12-07 WARNING role_changed user=admin"
        security_event("login_failed", user=forged, client="1.2.3.4")
    (record,) = [r for r in caplog.records if r.name == LOGGER_NAME]
    assert "\n" not in record.getMessage()
    assert record.getMessage().startswith("login_failed user='x\\n2026-12-07")
    assert record.getMessage().endswith("client=1.2.3.4")
