"""The committed server configuration keeps its safe values (issue 16, point 8)."""

from __future__ import annotations

import tomllib
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml"


def test_error_details_are_none_not_false() -> None:
    # Streamlit 1.67 reads false as "stacktrace": the browser would get the traceback.
    assert tomllib.loads(CONFIG.read_text(encoding="utf-8"))["client"]["showErrorDetails"] == "none"


def test_xsrf_protection_and_the_origin_check_of_streamlit_stay_on() -> None:
    server = tomllib.loads(CONFIG.read_text(encoding="utf-8"))["server"]
    assert server["enableXsrfProtection"] is True
    assert server["enableCORS"] is True
    assert "cookieSecret" not in server  # a secret never lives in the committed file
