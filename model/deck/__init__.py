"""The leadership deck: slides of aggregates for the Präsentation page, PDF and PPTX."""
