"""Übersicht and the key figures of the command line."""
