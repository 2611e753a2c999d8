"""Cached reads for the pages (short TTL, cleared after every write)."""

from __future__ import annotations

import streamlit as st

from model import queries
from model.app_settings import is_demo_data
from model.db import read_session

TTL_SECONDS = 60


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def overview() -> queries.Overview:
    with read_session() as session:
        return queries.overview(session=session)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def demo_data() -> bool:
    with read_session() as session:
        return is_demo_data(session=session)


def clear_after_write() -> None:
    """Every write calls this, so no page shows figures from before it."""
    st.cache_data.clear()
