"""What the app and the command line say about an unexpected error: a short reference number."""

from __future__ import annotations

import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read out on the phone without doubt


def new_reference() -> str:
    """'F-3K7Q9C': shown to the user and written beside the traceback in the log."""
    return "F-" + "".join(secrets.choice(ALPHABET) for _ in range(6))
