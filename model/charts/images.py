"""Chart images (PNG, SVG) from Vega-Lite specs with German number and date formats."""

from __future__ import annotations

from typing import Final

import vl_convert as vlc

LOCALE: Final = "de-DE"


def chart_png(spec_json: str, *, scale: float = 2.0) -> bytes:
    return vlc.vegalite_to_png(
        vl_spec=spec_json, scale=scale, format_locale=LOCALE, time_format_locale=LOCALE
    )


def chart_svg(spec_json: str) -> bytes:
    svg = vlc.vegalite_to_svg(vl_spec=spec_json, format_locale=LOCALE, time_format_locale=LOCALE)
    return svg.encode("utf-8")
