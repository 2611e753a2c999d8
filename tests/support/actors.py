"""Actors for tests that call model commands directly (the commands check the account in the database)."""

from __future__ import annotations

from model.accounts.auth import UserInfo
from model.core.enums import Role


def admin(username: str = "cdo") -> UserInfo:
    """The logged-in admin `username` as ui passes it to a command."""
    return UserInfo(id=0, username=username, display_name=username, role=Role.ADMIN, pilot_id=None)
