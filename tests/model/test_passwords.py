"""The password policy: zxcvbn with the product's and the person's own words, the demo password, spaces."""

from __future__ import annotations

import pytest

from model.accounts.passwords import DEMO_PASSWORD, password_problem, personal_words

PERSON = personal_words("Anna Schmidt", "anna.schmidt@musterstadt.example")
# Point 8 of issue 16: "Sommer2026!!", "Administrator" and the demo password were accepted.
REFUSED = [
    "Sommer2026!!", "Administrator", DEMO_PASSWORD, "Lotsen-Demo-2026", "Winter2025!!", "Geheim12345!",
    "Passwort2026!", "Lotsen-Cockpit-2026", "LotsenCockpit1!", "Stadt-Verwaltung-2026!", "Musterstadt2026!",
    "Schmidt-Musterstadt", "Herbst-2026!!", "qwertzuiop123", " ein-langes-passwort-7",
    "ein-langes-passwort-7 ",
]  # fmt: skip
ACCEPTED = [
    "ein-langes-passwort-7", "korrekt Pferd Batterie Heftklammer", "Wolke-Tanne-Kaffeetasse-9",
    "Gurke!Regal?Nordwind", "tK9#vQ2m!xLp7z",
]  # fmt: skip


def problem(password: str) -> str | None:
    return password_problem(password, username="anna", user_inputs=[*PERSON, "Musterstadt"], demo_data=False)


@pytest.mark.parametrize("password", REFUSED)
def test_guessable_passwords_are_refused_with_a_german_reason(password) -> None:
    assert problem(password) is not None


@pytest.mark.parametrize("password", ACCEPTED)
def test_long_unrelated_words_and_random_passwords_pass(password) -> None:
    assert problem(password) is None


def test_the_demo_password_is_named_as_such_outside_demo_data() -> None:
    assert (
        problem(DEMO_PASSWORD)
        == "Das ist das veröffentlichte Passwort der Demo-Zugänge. Bitte ein anderes wählen."
    )


def test_leading_or_trailing_spaces_are_refused_not_stripped() -> None:
    assert (
        problem(" Wolke-Tanne-Kaffeetasse-9")
        == "Das Passwort darf nicht mit einem Leerzeichen beginnen oder enden."
    )
    assert problem("Wolke Tanne Kaffeetasse 9") is None  # inside, spaces are fine


def test_the_persons_own_name_counts_as_a_known_word() -> None:
    assert password_problem("Schmidt-Musterstadt") is None  # unknown words to zxcvbn alone ...
    assert problem("Schmidt-Musterstadt") is not None  # ... but the person's name and city


def test_report_counts() -> None:
    refused = sum(problem(password) is not None for password in REFUSED + ACCEPTED)
    print(f"passwords tried: {len(REFUSED + ACCEPTED)}, refused: {refused}")
    assert refused == len(REFUSED)
