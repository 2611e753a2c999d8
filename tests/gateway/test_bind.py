"""`make run` serves the demo on loopback only and says how to serve on the network."""

from __future__ import annotations

import re

import pytest

from gateway import bind
from model.core.settings import ROOT


def test_demo_mode_binds_to_loopback_and_says_how_to_serve_on_the_network(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("LOTSEN_DEMO", raising=False)
    assert bind.main(["bind", "8501"]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "127.0.0.1"
    assert "nur auf diesem Rechner" in err and "LOTSEN_DEMO=0 make run" in err


def test_outside_demo_mode_it_serves_on_all_interfaces(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOTSEN_DEMO", "0")
    bind.main(["bind"])
    out, err = capsys.readouterr()
    assert (out.strip(), err) == (bind.ALL_INTERFACES, "")


def test_make_run_starts_serve_py_on_that_address() -> None:
    recipe = re.search(r"^run:.*?(?=^\S)", (ROOT / "Makefile").read_text(), re.MULTILINE | re.DOTALL)
    assert recipe is not None
    assert "gateway.bind" in recipe.group() and "streamlit run serve.py" in recipe.group()
    assert bind.ALL_INTERFACES not in recipe.group()
