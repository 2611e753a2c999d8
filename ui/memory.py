"""Keeps the garbage collector off the server's long-lived objects (the code of every loaded module).

Streamlit collects all generations after every script run (runner.postScriptGC), and Python's own
full collections come on top. Each walks every object in the process; with pandas, Altair and
SQLAlchemy loaded that took 60–290 ms here, holding the GIL, so the finished page reached the browser
that much later (scripts/first_render.py, issue 7). Frozen objects are skipped by every later
collection; they are still freed by reference counting, only cycles among them stay.

Switching runner.postScriptGC off instead does not give the same: Python's own full collections still
come, each again 190–510 ms instead of 50–60 ms (docs/performance.md, 08.12.2026).

A run freezes what the runs before it loaded: once after the first runs of a server's life, and again
only when a page has imported modules that were not there yet.
"""

from __future__ import annotations

import gc
import sys
import threading

_lock = threading.Lock()
_modules_at_freeze = 0


def freeze_loaded_code() -> bool:
    """Collect once and freeze everything alive if modules were loaded since the last freeze."""
    global _modules_at_freeze  # one process-wide mark, guarded by the lock
    with _lock:
        loaded = len(sys.modules)
        if loaded == _modules_at_freeze:
            return False
        gc.collect()  # garbage goes first: only live objects are frozen
        gc.freeze()
        _modules_at_freeze = loaded
        return True
