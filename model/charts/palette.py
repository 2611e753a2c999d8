"""The colours of every chart, on the pages and in the deck, defined once.

Okabe–Ito: distinguishable with the common colour-vision deficiencies; status is never shown by
colour alone (a symbol or the word goes with it).
"""

from __future__ import annotations

PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
INK = "#1F1F1F"  # text and outlines: contrast over 15:1 on white
WHITE = "#FFFFFF"

# Phase status (German label) → colour, in the order of the legend.
PHASE_COLOURS = {
    "geplant": PALETTE[4],
    "läuft": PALETTE[0],
    "abgeschlossen": PALETTE[2],
    "verzögert": PALETTE[1],
    "blockiert": PALETTE[5],
}
# Rollout classes from "kein Lotse" to "aktiv": order and legend carry the meaning.
ROLLOUT_CLASS_COLOURS = (PALETTE[5], PALETTE[6], PALETTE[4], PALETTE[0], PALETTE[2])
