"""Altair chart builders: German labels, the colour-blind-safe palette, text alternatives.

style: palette, font, `layered`; show: `show_chart` draws any chart with its description and
downloads; bars, coverage, timelines, heatmap, roadmap: the builders, by kind of chart.
"""
