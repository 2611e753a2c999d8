"""Password hashing and the password policy (length over composition, common passwords refused)."""

from __future__ import annotations

from functools import cache

import bcrypt

from model.settings import ROOT

MIN_LENGTH = 12
MAX_LENGTH = 72  # bcrypt reads at most 72 bytes
COMMON_PASSWORDS_FILE = ROOT / "data" / "common-passwords.txt"


def hash_password(password: str, *, rounds: int = 12) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=rounds)).decode("ascii")


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode("utf-8"), password_hash.encode("ascii"))
    except ValueError:
        return False


@cache
def _common_passwords() -> frozenset[str]:
    if not COMMON_PASSWORDS_FILE.exists():
        return frozenset()
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str, *, username: str = "") -> str | None:
    """German reason why `password` is not acceptable, or None if it is."""
    if len(password) < MIN_LENGTH:
        return f"Das Passwort muss mindestens {MIN_LENGTH} Zeichen lang sein."
    if len(password.encode("utf-8")) > MAX_LENGTH:
        return f"Das Passwort darf höchstens {MAX_LENGTH} Byte lang sein."
    folded = password.casefold()
    if folded in _common_passwords() or len(set(folded)) <= 2:
        return "Dieses Passwort ist zu verbreitet und leicht zu erraten. Bitte ein anderes wählen."
    if username and username.casefold() in folded:
        return "Das Passwort darf den Benutzernamen nicht enthalten."
    return None
