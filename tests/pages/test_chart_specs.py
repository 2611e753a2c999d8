"""Every chart the pages draw is valid Vega-Lite.

The pages send their specs without Altair's schema check (ui.charts.show.page_spec): these tests do the
check instead, on every chart of every page for every role, and on the one builder the demo data
do not reach (the Roadmap's quarter grid, drawn for many measures).
"""

from __future__ import annotations

import json

import altair as alt
import pandas as pd
import pytest

from model.core import clock
from model.core.db import read_session
from model.roadmap import reads as roadmap
from tests.pages.conftest import DEMO_USERS
from tests.support.vega import schema_error
from ui.charts import roadmap as rc
from ui.charts.show import page_spec
from ui.navigation import available, pages_for


def test_the_check_finds_an_invalid_spec() -> None:
    data = {"values": [{"a": 1}]}
    assert (
        schema_error(
            {"data": data, "mark": "point", "encoding": {"x": {"field": "a", "type": "quantitative"}}}
        )
        is None
    )
    assert schema_error({"data": data, "mark": "balken"}) is not None
    assert (
        schema_error({"data": data, "mark": "bar", "encoding": {"x": {"field": "a", "type": "Menge"}}})
        is not None
    )


@pytest.mark.parametrize("role", list(DEMO_USERS))
def test_every_chart_of_every_page_is_valid_vega_lite(app_as, role) -> None:
    at = app_as(role)
    checked = 0
    for spec in pages_for(role):
        if not available(spec):
            continue
        at.switch_page(spec.file).run()
        assert not at.exception, spec.path
        for number, chart in enumerate(at.get("vega_lite_chart"), start=1):
            drawn = json.loads(chart.proto.spec)
            assert schema_error(drawn) is None, (spec.path, number, schema_error(drawn))
            assert chart.proto.datasets, (spec.path, number)  # the data travel as Arrow, not in the spec
            checked += 1
    assert checked >= 9  # every role sees Übersicht (2 charts), Rollout (3), Abdeckung (2), Roadmap (2)


def test_no_chart_layer_is_named_by_hashing_its_data(app_as, monkeypatch) -> None:
    """Layers sharing a frame get it on the layer chart (ui.charts.style.layered), never each its own.

    Otherwise Altair names each layer by a hash of its JSON, the frame's text form included.
    """
    hashed: list[str] = []
    compute_hash = alt.Chart._compute_hash

    def watched(chart: alt.Chart) -> str:
        if isinstance(chart.data, pd.DataFrame) and "_cached_hash" not in chart._kwds:
            hashed.append(", ".join(map(str, chart.data.columns)))
        return compute_hash(chart)

    monkeypatch.setattr(alt.Chart, "_compute_hash", watched)
    at = app_as("admin")
    for spec in pages_for("admin"):
        if available(spec):
            at.switch_page(spec.file).run()
            assert not at.exception, spec.path
            assert hashed == [], (spec.path, hashed)


def test_the_roadmap_quarter_grid_is_valid_vega_lite(demo_database) -> None:
    with read_session() as session:
        grid = roadmap.timeline(session=session, filters=roadmap.MeasureFilter(), max_bars=0)
    assert not grid.per_measure and not grid.frame.empty
    spec = page_spec(rc.timeline_heatmap(grid.frame, today=clock.today()))
    assert set(spec.pop("datasets").values()) and schema_error(spec) is None, schema_error(spec)
