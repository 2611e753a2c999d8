"""Förderprogramme: deadlines, pipeline and totals."""
