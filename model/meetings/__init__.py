"""Sitzungen: the state saved when a leadership meeting is closed, and what changed since."""
