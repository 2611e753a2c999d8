"""User-entered text shown exactly as typed: no Markdown, no HTML, no live links.

Streamlit renders st.markdown, st.caption, st.error/st.success/…, widget help and the cells of
st.table as (GitHub-flavoured) Markdown. Every user- or file-supplied text that reaches one of them
goes through `escaped()` (or `escaped_cells()` for a table); a whole value on its own line goes
through `plain()`, which does not interpret anything at all.
"""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

# Every ASCII character CommonMark, GFM (autolinks: @ / : =) and Streamlit's extensions
# (:red[…], $…$) give a meaning; a backslash before ASCII punctuation always shows it literally.
MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~&$:@/=^%\"'])")


def escaped(text: object) -> str:
    """`text` for use inside a Markdown string: shown character for character, nothing interpreted."""
    return MARKDOWN_SPECIALS.sub(r"\\\1", str(text))


def escaped_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells and column names are escaped for st.table."""
    shown = frame.map(lambda value: escaped(value) if isinstance(value, str) else value)
    shown.columns = [escaped(column) if isinstance(column, str) else column for column in shown.columns]
    return shown


def plain(value: object) -> None:
    """Show `value` as plain text; nothing in it is interpreted as formatting or markup."""
    st.text(str(value))
