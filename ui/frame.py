"""The frame around every page: sidebar with user, role and logout; the demo marker."""

from __future__ import annotations

import streamlit as st

from model.accounts.auth import UserInfo
from model.core.app_settings import is_demo_data
from model.core.enums import label
from ui import cache
from ui.auth import logout


def sidebar(user: UserInfo) -> None:
    with st.sidebar:
        st.text(f"Angemeldet: {user.display_name}")
        st.caption(f"Rolle: {label(user.role)}")
        st.button("Abmelden", key="lc_logout_button", width="stretch", on_click=logout, args=(user,))


def demo_marker() -> None:
    if cache.query(is_demo_data):
        st.info("Demo-Daten: Alle Personen, Zahlen und Vorhaben dieser Stadt sind erfunden.")
