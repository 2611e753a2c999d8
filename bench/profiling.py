"""A pyinstrument profile of one page run (`manage.py bench --profile DIR`; pyinstrument is a dev tool).

AppTest runs the script in its own thread, and pyinstrument samples only the thread it started in,
so the profiler is started inside the page's run (st.navigation's page.run) in that thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from streamlit.navigation.page import StreamlitPage


@contextmanager
def profiled_page_runs(target: Path) -> Iterator[None]:
    """Write a text profile of every page run inside the block to `target`."""
    from pyinstrument import Profiler

    original = StreamlitPage.run

    def run(self: StreamlitPage) -> Any:
        profiler = Profiler(interval=0.002)
        profiler.start()
        try:
            return original(self)
        finally:
            profiler.stop()
            target.write_text(profiler.output_text(unicode=True, color=False, show_all=False))

    StreamlitPage.run = run  # type: ignore[method-assign]
    try:
        yield
    finally:
        StreamlitPage.run = original  # type: ignore[method-assign]
