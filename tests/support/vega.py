"""The check Altair no longer makes on every build: is a spec valid Vega-Lite?"""

from __future__ import annotations

from typing import Any

import altair as alt

ROOT_SCHEMA = alt.vegalite.v6.schema.core.Root


def schema_error(spec: dict[str, Any]) -> str | None:
    """Why `spec` is not valid Vega-Lite (the start of jsonschema's message), or None."""
    try:
        ROOT_SCHEMA.validate(spec)
    except Exception as error:  # jsonschema's ValidationError; the message names the path
        return str(error)[:500]
    return None
