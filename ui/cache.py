"""Cached reads for the pages (short TTL, cleared after every write).

Pages call `query(model_function, **arguments)`: the model function gets a read session and the
arguments; its result is cached per function and arguments.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from model.core.db import read_session

TTL_SECONDS = 60
T = TypeVar("T")


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=500)
def _cached(module: str, name: str, arguments: tuple[tuple[str, Any], ...]) -> Any:
    function = getattr(importlib.import_module(module), name)
    with read_session() as session:
        return function(session=session, **dict(arguments))


def query(function: Callable[..., T], **arguments: Any) -> T:
    """Result of a model read function `function(session=..., **arguments)`, cached with a TTL."""
    return _cached(function.__module__, function.__qualname__, tuple(sorted(arguments.items())))


def clear_after_write() -> None:
    """Every write calls this, so no page shows figures from before it."""
    st.cache_data.clear()
