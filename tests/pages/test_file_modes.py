"""The app process creates its files (database, WAL, SHM, safety copies) for the service user only."""

from __future__ import annotations

import os

from tests.pages.conftest import new_app


def test_the_app_sets_umask_077_before_anything_is_written(demo_database) -> None:
    previous = os.umask(0o022)
    try:
        new_app().run()
        during_the_app = os.umask(0o022)
    finally:
        os.umask(previous)
    assert during_the_app == 0o077
