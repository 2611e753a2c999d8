"""Password hashing and the password policy: length, zxcvbn strength, common and own words refused."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

import bcrypt
from zxcvbn import zxcvbn

from model.core.settings import ROOT

MIN_LENGTH = 12
MAX_LENGTH = 72  # bcrypt reads at most 72 bytes
MIN_SCORE = 3  # zxcvbn: "safely unguessable" (about 10^8 guesses and more)
COMMON_PASSWORDS_FILE = ROOT / "data" / "common-passwords.txt"
DEMO_PASSWORD = "lotsen-demo-2026"  # noqa: S105 (published in the README; refused outside demo data)
# Words of the product and the administration an attacker tries first; zxcvbn's lists are English.
OWN_WORDS = (
    "lotsen", "lotse", "lotsin", "cockpit", "lotsencockpit", "digitalisierung", "verwaltung", "stadt",
    "rathaus", "stadtverwaltung", "amt", "dezernat", "cdo", "admin", "administrator", "passwort",
    "kennwort", "geheim", "willkommen", "hallo", "sommer", "winter", "herbst", "fruehling", "frühling",
)  # fmt: skip
# People append a year and "!" to a word; cracking rules try exactly that first (see password_problem).
DECORATION = re.compile(r"^[\d\W_]+|[\d\W_]+$")
SEPARATORS = re.compile(r"[\W_]+")


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


def personal_words(*texts: str | None) -> list[str]:
    """The parts of names and e-mail addresses (split at spaces, dots, @, hyphens) as zxcvbn inputs."""
    return [
        part for text in texts if text for part in re.split(r"[\s.@_+-]+", text.casefold()) if len(part) >= 3
    ]


def password_problem(
    password: str,
    *,
    username: str = "",
    user_inputs: Iterable[str] = (),
    demo_data: bool = False,
) -> str | None:
    """German reason why `password` is not acceptable, or None if it is.

    zxcvbn judges the password with the product's and the person's own words as known words; it
    also judges the password without digits and punctuation at its ends (and without separators),
    because "Sommer2026!!" (a word with a year and "!!") is what guessing tools try first and
    zxcvbn rates it too well.
    Leading or trailing spaces are refused rather than stripped: the login compares exactly.
    """
    if password != password.strip():
        return "Das Passwort darf nicht mit einem Leerzeichen beginnen oder enden."
    if len(password) < MIN_LENGTH:
        return f"Das Passwort muss mindestens {MIN_LENGTH} Zeichen lang sein."
    if len(password.encode("utf-8")) > MAX_LENGTH:
        return f"Das Passwort darf höchstens {MAX_LENGTH} Byte lang sein."
    folded = password.casefold()
    if folded == DEMO_PASSWORD and not demo_data:
        return "Das ist das veröffentlichte Passwort der Demo-Zugänge. Bitte ein anderes wählen."
    if folded in _common_passwords() or len(set(folded)) <= 2:
        return "Dieses Passwort ist zu verbreitet und leicht zu erraten. Bitte ein anderes wählen."
    if username and username.casefold() in folded:
        return "Das Passwort darf den Benutzernamen nicht enthalten."
    known = [*OWN_WORDS, *(word.casefold() for word in user_inputs if word), username.casefold()]
    core = DECORATION.sub("", password) or password
    variants = {password, core, SEPARATORS.sub("", core) or core}  # "Lotsen-Cockpit" is "lotsencockpit"
    if min(zxcvbn(variant, user_inputs=known)["score"] for variant in variants) < MIN_SCORE:
        return (
            "Dieses Passwort ist zu leicht zu erraten (etwa ein Wort mit Jahreszahl oder ein Name). "
            "Tipp: drei oder vier Wörter, die nicht zusammengehören, mit Bindestrichen."
        )
    return None
