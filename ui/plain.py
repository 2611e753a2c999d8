"""Text shown exactly as stored: no Markdown, no HTML (for user-entered values)."""

from __future__ import annotations

import streamlit as st


def plain(value: object) -> None:
    """Show `value` as plain text; nothing in it is interpreted as formatting or markup."""
    st.text(str(value))
