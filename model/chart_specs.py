"""Vega-Lite specs from Altair charts: converted under one lock, without a schema check per build.

Altair's active data transformer and theme are settings of the whole process. Every conversion in
the app goes through `vega_lite_spec`, so a page drawing its charts with its own transformer in one
session never hands it to a deck being built in another session at the same moment.
"""

from __future__ import annotations

import threading
from typing import Any

import altair as alt

ALTAIR_LOCK = threading.Lock()


def vega_lite_spec(
    chart: alt.TopLevelMixin,
    *,
    theme: str = "default",
    transformer: str = "default",
    validate: bool = False,
    **transformer_options: Any,
) -> dict[str, Any]:
    """`chart` as a Vega-Lite dict, with `theme` and the data `transformer` active.

    Altair's JSON-schema validation costs 30–70 ms per chart at scale L and checks what the
    builders' code does, not the data: it is off here, and tests/test_chart_specs.py validates
    every chart of every page and of the deck against the Vega-Lite schema.
    """
    with (
        ALTAIR_LOCK,
        alt.theme.enable(theme),
        alt.data_transformers.enable(transformer, **transformer_options),
    ):
        return chart.to_dict(validate=validate)
