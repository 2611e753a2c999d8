"""Vega-Lite specs from Altair charts and their images (PNG, SVG), without Streamlit."""
