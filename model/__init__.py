"""Domain model of Lotsen-Cockpit: tables, database, queries, commands. Never imports streamlit."""
