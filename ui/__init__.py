"""Streamlit and Altair building blocks shared by the pages."""
