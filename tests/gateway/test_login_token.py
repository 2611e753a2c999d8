"""The login token, written and read in one place (gateway/login_cookie.py) for the app and the gateway."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt

from gateway.login_cookie import SIGNING, issue_token, read_token

KEY = "k" * 32
ISSUED = datetime(2026, 12, 8, 2, 30, tzinfo=UTC)


def test_a_token_reads_back_as_its_user_and_issue_time() -> None:
    token = issue_token(
        username="cdo", issued_at=ISSUED, expires=datetime.now(UTC) + timedelta(hours=1), key=KEY
    )
    login = read_token(token, KEY)
    assert login is not None and (login.username, login.issued_at) == ("cdo", ISSUED)


def test_an_expired_forged_or_broken_token_counts_as_no_login() -> None:
    expired = issue_token(
        username="cdo", issued_at=ISSUED, expires=datetime.now(UTC) - timedelta(seconds=1), key=KEY
    )
    later = datetime.now(UTC) + timedelta(hours=1)
    forged = issue_token(username="cdo", issued_at=ISSUED, expires=later, key="x" * 32)
    huge = jwt.encode(
        {"username": "cdo", "iat": 1e300, "exp_date": later.timestamp()}, KEY, algorithm=SIGNING
    )
    for token in (expired, forged, huge, "kein-jwt", "", None):
        assert read_token(token, KEY) is None
    assert read_token(issue_token(username="cdo", issued_at=ISSUED, expires=later, key=KEY), None) is None
