"""Defined once: the chart colours (model/charts/palette.py) and the time zone (model/core/clock.py)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from model.charts.palette import PALETTE

ROOT = Path(__file__).resolve().parents[1]
CODE = ("model", "ui", "pages", "gateway")
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")


def _lines(pattern: str) -> list[str]:
    found = re.compile(pattern, re.IGNORECASE)
    paths = [ROOT / "app.py", ROOT / "manage.py"]
    paths += [path for folder in CODE for path in sorted((ROOT / folder).rglob("*.py"))]
    return [
        f"{path.relative_to(ROOT)}:{number}"
        for path in paths
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if found.search(line)
    ]


def test_the_chart_colours_are_written_down_only_in_the_palette() -> None:
    found = _lines("|".join(OKABE_ITO))
    assert found and all(place.startswith("model/charts/palette.py:") for place in found), found


def test_streamlits_theme_has_the_same_colours_as_the_palette() -> None:
    with (ROOT / ".streamlit" / "config.toml").open("rb") as file:
        theme = tomllib.load(file)["theme"]
    assert theme["chartCategoricalColors"] == PALETTE


def test_the_local_time_zone_is_named_only_by_the_clock() -> None:
    found = _lines(r"Europe/Berlin|ZoneInfo\(")
    assert [place.split(":")[0] for place in found] == ["model/core/clock.py"], found
