"""Vega-Lite specs from Altair charts: converted under one lock, without a schema check per build.

Altair's active data transformer and theme are settings of the whole process. Every conversion in
the app goes through `vega_lite_spec`, so a page drawing its charts with its own transformer in one
session never hands it to a deck being built in another session at the same moment.

Altair checks charts against the Vega-Lite JSON schema twice: every schema object on creation
(its "debug mode", for readable tracebacks while writing a chart) and the whole chart in to_dict.
Both checks depend on the builders' code, not on the data, and cost a third of a page's run at
scale L. Importing this module turns the first off for the process and `vega_lite_spec` skips the
second; tests/pages/test_chart_specs.py and tests/model/test_deck.py validate every chart instead.
"""

from __future__ import annotations

import threading
from typing import Any

import altair as alt

ALTAIR_LOCK = threading.Lock()
alt.utils.schemapi.disable_debug_mode()


def vega_lite_spec(
    chart: alt.TopLevelMixin,
    *,
    theme: str = "default",
    transformer: str = "default",
    validate: bool = False,
    **transformer_options: Any,
) -> dict[str, Any]:
    """`chart` as a Vega-Lite dict, with `theme` and the data `transformer` active.

    Without the schema check unless `validate` (30–70 ms per chart at scale L; see above).
    """
    with (
        ALTAIR_LOCK,
        alt.theme.enable(theme),
        alt.data_transformers.enable(transformer, **transformer_options),
    ):
        return chart.to_dict(validate=validate)
