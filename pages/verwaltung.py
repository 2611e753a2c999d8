"""Verwaltung: the CDO-Büro maintains units, accounts, programme, measures, funding and IT staff.

Only the open tab runs (lazy tabs), so a large city's tables are read only when needed; the tab
is kept in the URL (?reiter=…), so a link opens the same tab.
"""

import streamlit as st

from ui.admin import accounts, funding, it_staff, measures, programme, units
from ui.admin_exchange import render_audit_log, render_backup, render_import_export
from ui.navigation import current_user

user = current_user("verwaltung")

st.title("Verwaltung")
st.caption(
    "Stammdaten pflegen. Jede Änderung wird mit Person, Zeitpunkt und altem → neuem Wert protokolliert."
)

TABS = {
    "Organisationseinheiten": units.render_units,
    "Benutzer": accounts.render_users,
    "Programm": programme.render_programme,
    "Maßnahmen": measures.render_measures,
    "Förderprogramme": funding.render_funding,
    "IT-Personal": it_staff.render_it_staff,
    "Import/Export": render_import_export,
    "Audit-Log": render_audit_log,
    "Sicherung": render_backup,
}

tabs = st.tabs(list(TABS), key="reiter", bind="query-params")
for tab, render in zip(tabs, TABS.values(), strict=True):
    with tab:
        if tab.open:
            render(user)
