"""Server-side cost of every page for every role, next to its SQL floor and the rows it hands to charts.

Each page of ui.navigation.PAGES is rendered through Streamlit's AppTest for every role that may open
it (logged in once as the role's demo account), `runs` times, each right after st.cache_data.clear():
the cost a user pays right after any write. Every read statement of a run is recorded with a
SQLAlchemy `before_cursor_execute` listener; the page's SQL floor is the time of those statements
replayed on a raw DBAPI connection with fetchall, without Streamlit, the ORM or pandas around them.
Each run is replayed right after it, so both medians sample the machine in the same moments (on a
shared machine the speed of the same queries drifts by ±25 % within minutes).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import streamlit as st
from sqlalchemy import Engine, event
from streamlit.testing.v1 import AppTest

from model import demo
from model.core.db import dispose_engines, get_engine, make_engine
from model.core.enums import Role
from model.core.migrate import migrate
from ui import streamlit_seam
from ui.navigation import PAGES, PageSpec, available

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
SCALES = ("S", "M", "L")
DEFAULT_RUNS = 5
SLOWEST = 5  # statements kept per page for `--top-sql`
SQL_PREVIEW = 400  # characters of a statement shown by `--top-sql`
RUN_TIMEOUT = 900.0  # seconds one page run may take (scale L on a slow machine)
EMPTY_PAGE = "import streamlit as st\n\nst.write('')\n"
ACCOUNTS = {Role(role): username for username, role in demo.DEMO_ACCOUNTS.items()}
READS = ("SELECT", "WITH")
# Warnings Streamlit logs on every run outside a server ("bare mode"); they say nothing about the pages.
BARE_MODE_LOGGERS = (
    "streamlit.runtime.caching.cache_data_api",
    "streamlit.runtime.scriptrunner_utils.script_run_context",
)
LOGOUT_KEY = "lc_logout_button"  # ui.frame draws it once a user is logged in

Statement = tuple[str, Any]  # SQL text and DBAPI parameters, as the driver received them
Progress = Callable[[str], None]


class BenchError(Exception):
    """The benchmark cannot run (no demo account, unknown scale); the message says why."""


# One page for one role: medians in milliseconds.
@dataclass(frozen=True)
class PageResult:
    page: str
    role: str
    median_ms: float
    sql_floor_ms: float
    chart_rows: int
    statements: int
    errors: tuple[str, ...] = ()
    slowest_sql: tuple[tuple[float, str], ...] = ()  # (median ms, statement), slowest first

    @property
    def ratio(self) -> float | None:
        return None if self.sql_floor_ms <= 0 else self.median_ms / self.sql_floor_ms

    def as_json(self) -> dict[str, Any]:
        ratio = self.ratio
        return {
            "page": self.page,
            "role": self.role,
            "median_ms": round(self.median_ms, 1),
            "sql_floor_ms": round(self.sql_floor_ms, 2),
            "ratio": None if ratio is None else round(ratio, 2),
            "chart_rows": self.chart_rows,
        }


@dataclass
class BenchReport:
    scale: str
    runs: int
    empty_page_ms: float
    pages: list[PageResult] = field(default_factory=list)
    # 1-minute load average at start and end: how much else the machine was doing meanwhile.
    load: tuple[float, float] = (0.0, 0.0)

    def as_json(self) -> dict[str, Any]:
        """The contract of `manage.py bench --json`: exactly these keys."""
        return {"scale": self.scale, "pages": [page.as_json() for page in self.pages]}

    @property
    def errors(self) -> list[str]:
        return [f"{p.page} ({p.role}): {error}" for p in self.pages for error in p.errors]


def _quiet(_: str) -> None:
    return None


def _errors_only(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.ERROR


@contextmanager
def bench_database(*, scale: str, database_url: str | None, progress: Progress = _quiet) -> Iterator[str]:
    """`database_url` as it is, or a temporary SQLite file seeded at `scale` and deleted afterwards."""
    if database_url:
        yield database_url
        return
    if scale not in SCALES:
        raise BenchError(f"Unbekannte Stufe „{scale}“ – erlaubt sind: {', '.join(SCALES)}.")
    directory = Path(tempfile.mkdtemp(prefix=f"lotsen-bench-{scale}-"))
    url = f"sqlite:///{directory / 'bench.db'}"
    try:
        engine = make_engine(url)
        migrate(engine)
        progress(f"Demo-Daten der Stufe {scale} werden angelegt …")
        report = demo.seed(engine=engine, scale=scale)
        engine.dispose()
        progress(f"Angelegt in {report.seconds:.0f} s: {directory}")
        yield url
    finally:
        dispose_engines()
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def _app_environment(database_url: str) -> Iterator[None]:
    """Point the in-process app at the database (a cookie key only if none is configured)."""
    saved = {key: os.environ.get(key) for key in ("DATABASE_URL", "LOTSEN_COOKIE_KEY")}
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("LOTSEN_COOKIE_KEY", secrets.token_urlsafe(48))
    for name in BARE_MODE_LOGGERS:
        logging.getLogger(name).addFilter(_errors_only)
    # The auth library's prints must not mix into the JSON on stdout.
    try:
        with redirect_stdout(sys.stderr), streamlit_seam.without_legacy_pages_mode():
            yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def recorded_reads(engine: Engine) -> Iterator[list[Statement]]:
    """Every read statement `engine` executes inside the block, with its parameters."""
    log: list[Statement] = []

    def _record(_conn, _cursor, statement, parameters, _context, executemany) -> None:  # type: ignore[no-untyped-def]
        if not executemany and statement.lstrip().upper().startswith(READS):
            log.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", _record)
    try:
        yield log
    finally:
        event.remove(engine, "before_cursor_execute", _record)


# The replayed statements of one page run: total and per-statement medians in milliseconds.
@dataclass(frozen=True)
class SqlFloor:
    total_ms: float
    statement_ms: tuple[tuple[float, str], ...] = ()

    def slowest(self, count: int) -> list[tuple[float, str]]:
        return sorted(self.statement_ms, reverse=True)[:count]


def paired_floor(floors: Sequence[SqlFloor]) -> SqlFloor:
    """The median of the replays of several page runs (per statement where all runs read the same)."""
    if not floors:
        return SqlFloor(total_ms=0.0)
    texts = [text for _, text in floors[-1].statement_ms]
    if any([text for _, text in floor.statement_ms] != texts for floor in floors):
        per_statement = floors[-1].statement_ms
    else:
        per_statement = tuple(
            (statistics.median(floor.statement_ms[index][0] for floor in floors), text)
            for index, text in enumerate(texts)
        )
    total = statistics.median(floor.total_ms for floor in floors)
    return SqlFloor(total_ms=total, statement_ms=per_statement)


def sql_floor(*, engine: Engine, statements: Sequence[Statement], runs: int) -> SqlFloor:
    """Median time of executing and fetching all `statements` on one raw DBAPI connection."""
    if not statements:
        return SqlFloor(total_ms=0.0)
    per_run: list[list[float]] = []
    connection = engine.raw_connection()
    try:
        for _ in range(runs):
            cursor = connection.cursor()
            timings = []
            for statement, parameters in statements:
                start = time.perf_counter()
                cursor.execute(statement, parameters)
                cursor.fetchall()
                timings.append((time.perf_counter() - start) * 1000)
            per_run.append(timings)
            cursor.close()
        connection.rollback()
    finally:
        connection.close()
    by_statement = zip(*per_run, strict=True)
    return SqlFloor(
        total_ms=statistics.median(sum(timings) for timings in per_run),
        statement_ms=tuple(
            (statistics.median(times), statement)
            for times, (statement, _) in zip(by_statement, statements, strict=True)
        ),
    )


def _arrow_rows(data: bytes) -> int:
    return pa.ipc.open_stream(data).read_all().num_rows if data else 0


def chart_rows(at: AppTest) -> int:
    """Rows of all datasets in the rendered Vega-Lite charts: what the browser receives."""
    total = 0
    for chart in at.get("vega_lite_chart"):
        proto = chart.proto
        total += _arrow_rows(proto.data.data) + sum(_arrow_rows(ds.data.data) for ds in proto.datasets)
        spec = json.loads(proto.spec or "{}")
        total += sum(len(values) for values in spec.get("datasets", {}).values())
        total += len(spec.get("data", {}).get("values", []))
    return total


def _timed_run(at: AppTest) -> float:
    st.cache_data.clear()
    start = time.perf_counter()
    at.run(timeout=RUN_TIMEOUT)
    return (time.perf_counter() - start) * 1000


def empty_page_ms(*, runs: int) -> float:
    """AppTest's own cost: the median run of a Streamlit script that draws one empty line."""
    at = AppTest.from_string(EMPTY_PAGE, default_timeout=RUN_TIMEOUT)
    at.run()
    return statistics.median(_timed_run(at) for _ in range(runs))


def logged_in_app(role: Role) -> AppTest:
    """A fresh app session, logged in as the demo account of `role`."""
    username = ACCOUNTS[role]
    at = AppTest.from_file(APP, default_timeout=RUN_TIMEOUT)
    at.run()
    inputs = {widget.label: widget for widget in at.text_input}
    if "Benutzername" not in inputs:
        raise BenchError(
            "Die Anmeldemaske fehlt – ist die Datenbank migriert und ein Cookie-Schlüssel gesetzt?"
        )
    inputs["Benutzername"].input(username)
    inputs["Passwort"].input(demo.DEMO_PASSWORD)
    next(button for button in at.button if button.label == "Anmelden").click()
    at.run()
    if not any(button.key == LOGOUT_KEY for button in at.button):
        raise BenchError(
            f"Anmeldung als „{username}“ fehlgeschlagen: die Datenbank braucht die Demo-Konten "
            "(python manage.py seed)."
        )
    return at


def measure_page(
    *, at: AppTest, spec: PageSpec, role: Role, engine: Engine, runs: int, profile_dir: Path | None = None
) -> PageResult:
    """Median run time of `spec` with cleared caches, its SQL floor and its chart rows."""
    at.switch_page(spec.file)
    at.run(timeout=RUN_TIMEOUT)  # warm-up: imports and first-use costs are not what a user waits for
    timings = []
    floors = []
    statements: list[Statement] = []
    for _ in range(runs):
        with recorded_reads(engine) as log:
            timings.append(_timed_run(at))
        floors.append(sql_floor(engine=engine, statements=log, runs=1))
        statements = log
    floor = paired_floor(floors)
    if profile_dir is not None:
        from bench.profiling import profiled_page_runs

        with profiled_page_runs(profile_dir / f"{spec.path}-{role.value}.txt"):
            _timed_run(at)
    return PageResult(
        page=f"/{spec.path}",
        role=role.value,
        median_ms=statistics.median(timings),
        sql_floor_ms=floor.total_ms,
        chart_rows=chart_rows(at),
        statements=len(statements),
        errors=tuple(_error_line(exception) for exception in at.exception),
        slowest_sql=tuple(floor.slowest(SLOWEST)),
    )


def _error_line(exception: Any) -> str:
    """Type and last traceback line of a page's exception (AppTest may redact the message)."""
    lines = [line.strip() for line in exception.stack_trace if line.strip()]
    return f"{exception.proto.type}: {lines[-1] if lines else exception.value}"


def _pages_by_role(paths: Sequence[str] | None) -> dict[Role, list[PageSpec]]:
    """The available pages (all, or those named by URL path) each role may open."""
    wanted = {path.strip("/") for path in paths or ()}
    unknown = wanted - {spec.path for spec in PAGES if available(spec)}
    if unknown:
        raise BenchError(f"Unbekannte Seite: {', '.join(sorted(unknown))}")
    chosen = [spec for spec in PAGES if available(spec) and (not wanted or spec.path in wanted)]
    return {role: [spec for spec in chosen if role in spec.roles] for role in Role}


def run_bench(
    *,
    scale: str,
    runs: int = DEFAULT_RUNS,
    database_url: str | None = None,
    paths: Sequence[str] | None = None,
    progress: Progress = _quiet,
    profile_dir: Path | None = None,
) -> BenchReport:
    """Seed (or use `database_url`), then measure every page for every role that may open it."""
    if runs < 1:
        raise BenchError("--runs muss mindestens 1 sein.")
    pages_by_role = _pages_by_role(paths)
    with (
        bench_database(scale=scale, database_url=database_url, progress=progress) as url,
        _app_environment(url),
    ):
        started_load = os.getloadavg()[0]
        report = BenchReport(scale=scale, runs=runs, empty_page_ms=empty_page_ms(runs=runs))
        progress(f"Leere Streamlit-Seite (AppTest): {report.empty_page_ms:.1f} ms")
        engine = get_engine(url)
        for role, specs in pages_by_role.items():
            if not specs:
                continue
            at = logged_in_app(role)
            for spec in specs:
                result = measure_page(
                    at=at, spec=spec, role=role, engine=engine, runs=runs, profile_dir=profile_dir
                )
                progress(f"{result.page} ({result.role}): {result.median_ms:.0f} ms")
                report.pages.append(result)
    report.load = (started_load, os.getloadavg()[0])
    progress(f"Last (1 min) / load: {report.load[0]:.1f} → {report.load[1]:.1f} auf {os.cpu_count()} CPU")
    order = [f"/{spec.path}" for spec in PAGES]
    report.pages.sort(key=lambda p: (order.index(p.page), list(Role).index(Role(p.role))))
    return report


def _de(value: float | None, decimals: int) -> str:
    if value is None:
        return "–"
    return f"{value:,.{decimals}f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def format_table(report: BenchReport) -> str:
    """A Markdown table with German/English headings and German number formats."""
    lines = [
        f"Stufe / scale {report.scale} · {report.runs} Läufe / runs · "
        f"leere Seite / empty page (AppTest): {_de(report.empty_page_ms, 1)} ms · "
        f"Last / load {_de(report.load[0], 1)} → {_de(report.load[1], 1)} ({os.cpu_count()} CPU)",
        "",
        "| Seite / page | Rolle / role | Median ms | SQL-Boden / SQL floor ms | Verhältnis / ratio "
        "| Diagrammzeilen / chart rows | SQL-Anweisungen / statements |",
        "|---|---|--:|--:|--:|--:|--:|",
    ]
    lines += [
        f"| {p.page} | {p.role} | {_de(p.median_ms, 1)} | {_de(p.sql_floor_ms, 2)} | {_de(p.ratio, 2)} "
        f"| {_de(p.chart_rows, 0)} | {p.statements} |"
        for p in report.pages
    ]
    return "\n".join(lines)


def format_slowest(report: BenchReport, count: int) -> str:
    """The `count` slowest replayed statements of every page (profiling aid for `--top-sql`)."""
    lines = []
    for page in report.pages:
        lines.append(f"{page.page} ({page.role}): SQL-Boden {_de(page.sql_floor_ms, 1)} ms")
        lines += [
            f"  {_de(ms, 1):>9} ms  {' '.join(statement.split())[:SQL_PREVIEW]}"
            for ms, statement in page.slowest_sql[:count]
        ]
    return "\n".join(lines)


def print_progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
