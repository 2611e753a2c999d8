"""Lotsen-Cockpit: page config, login gate, role-based navigation. Nothing else."""

import streamlit as st

from model.core.settings import keep_files_private
from ui import admin_exchange, frame, memory
from ui.auth import login_gate, record_session_login
from ui.errors import error_boundary, inject_fault
from ui.locale import set_document_language
from ui.navigation import USER_KEY, app_frame, build_login_navigation, build_navigation, leave_legacy_app_run

keep_files_private()
leave_legacy_app_run()
memory.freeze_loaded_code()

# Errors of the login, menu and sidebar end in the outer boundary, a page's in its own.
with app_frame(), error_boundary("Anmeldung und Menü"):
    st.set_page_config(page_title="Lotsen-Cockpit", layout="wide", initial_sidebar_state="auto")
    set_document_language()

    user = login_gate()
    record_session_login(user)  # the gateway lets only logged-in sessions upload
    if user is None:
        st.session_state.pop(USER_KEY, None)
        build_login_navigation()
        st.stop()

    st.session_state[USER_KEY] = user
    page = build_navigation(user)
    frame.sidebar(user)
    frame.demo_marker()
    with error_boundary(page.url_path):
        inject_fault(page.url_path)
        page.run()
    admin_exchange.drop_left_upload()  # a run without the import: its uploaded bytes go
