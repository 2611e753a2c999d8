"""User-entered text shown exactly as typed: no Markdown, no HTML, no live links, no images.

Streamlit renders as (GitHub-flavoured) Markdown: st.markdown, st.caption, st.title/header/
subheader, st.error/st.success/…/st.toast, widget labels and help, st.metric label, value and delta,
st.progress text, expander and page-link labels, and the cells of st.table. Every user- or
file-supplied text that reaches one of them goes through `escaped()` (or `escaped_cells()` for a
table); a whole value on its own line goes through `plain()`, which does not interpret anything.
"""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

# Every ASCII character CommonMark, GFM (autolinks: @ / : =) and Streamlit's extensions
# (:red[…], $…$) give a meaning; a backslash before ASCII punctuation always shows it literally.
MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~&$:@/=^%\"'])")
# An invisible word joiner (U+2060) keeps apart what Streamlit still turns into something after the
# backslashes are gone: GFM's bare links (http://…, www.…, name@host.de are found in the plain
# text), the :streamlit: logo and the arrows for "->", "<-", "--", ">=", "<=", "~=".
JOINER = "\u2060"
KEPT_APART = re.compile(
    r"(?<=:)(?=//)"  # http://, https://
    r"|(?i:(?<=www)(?=\.))"  # www.
    r"|(?<=[\w.+-])(?=@)"  # name@host
    r"|(?<=:)(?=streamlit:)"  # the Streamlit logo
    r"|(?<=[-<>~])(?=[->=])"  # typographic arrows and dashes
)
# Spaces and tabs opening a line would indent a code block; as character references they are text.
INDENT = re.compile(r"^[ \t]+", re.MULTILINE)


def escaped(text: object) -> str:
    """`text` for use inside a Markdown string: shown character for character, nothing interpreted.

    The browser shows the text as typed; only invisible word joiners (U+2060) are added where
    Streamlit would otherwise draw a link, an image or a symbol.
    """
    shown = MARKDOWN_SPECIALS.sub(r"\\\1", KEPT_APART.sub(JOINER, str(text)))
    return INDENT.sub(lambda indent: indent.group().replace(" ", "&#32;").replace("\t", "&#9;"), shown)


def escaped_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells and column names are escaped for st.table."""
    shown = frame.map(lambda value: escaped(value) if isinstance(value, str) else value)
    shown.columns = [escaped(column) if isinstance(column, str) else column for column in shown.columns]
    return shown


def plain(value: object) -> None:
    """Show `value` as plain text; nothing in it is interpreted as formatting or markup."""
    st.text(str(value))
