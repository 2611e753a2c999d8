"""Coverage on a city that is not the demo city (tests/support/kgst_city.py), imported from CSV:
the model, `manage.py figures --json`, the presentation's slide and both deck files give the same
erfüllt/fehlend figures, and none shows Dezernat I (one Amt over Soll, its neighbour without a
Lotse) as complete."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pypdf import PdfReader
from sqlalchemy import Engine

from model.core.db import make_engine, read_session
from model.deck import slides as deck
from model.deck.pdf import pdf_bytes
from model.deck.powerpoint import pptx_bytes
from model.org import coverage
from model.overview import figures
from tests.support import kgst_city, pg_server
from tests.support.kgst_city import EXPECTED, EXPECTED_BRANCHES, SURPLUS_DEZ_I


@pytest.fixture(scope="module")
def city(request: pytest.FixtureRequest, tmp_path_factory) -> str:
    """The city, imported once for this module: every test here only reads it."""
    if pg_server.requested():
        url = request.getfixturevalue("postgres_server").create_database("kreuzfeld_model")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('kreuzfeld') / 'kreuzfeld.db'}"
    kgst_city.build(url, tmp_path_factory.mktemp("import"))
    return url


@pytest.fixture(scope="module")
def engine(city: str) -> Iterator[Engine]:
    engine = make_engine(city)
    yield engine
    engine.dispose()


def test_the_model_caps_each_unit_at_its_soll(engine, city) -> None:
    with read_session(engine) as session:
        summary = coverage.coverage_summary(session=session)
        branches = coverage.coverage_by_dezernat(session=session).set_index("Kürzel")

    assert summary.units_with_target == EXPECTED["units_with_target"]
    assert summary.units_covered == EXPECTED["units_covered"]
    assert (summary.target_total, summary.covered_total, summary.missing_total) == (
        EXPECTED["target_total"],
        EXPECTED["covered_total"],
        EXPECTED["missing_total"],
    )
    columns = ["Einheiten mit Soll", "davon abgedeckt", "Soll", "erfüllt", "fehlend"]
    assert {
        code: tuple(int(v) for v in row[columns]) for code, row in branches.iterrows()
    } == EXPECTED_BRANCHES
    assert branches.loc["Dez I", "über Soll"] == SURPLUS_DEZ_I


def test_figures_json_gives_the_same_figures(city) -> None:
    result = kgst_city.manage(city, "figures", "--json")

    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {key: data[key] for key in EXPECTED} == EXPECTED
    assert data["unit"] is None and data["coverage_share"] == 0.5
    assert data["pilots_current"] == 12 and data["pilots_covering"] == 9
    top = {row["code"]: row for row in data["top_units"]}
    for code, (with_target, covered, target, met, missing) in EXPECTED_BRANCHES.items():
        assert top[code] == {
            "code": code,
            "name": top[code]["name"],
            "units_with_target": with_target,
            "units_covered": covered,
            "target": target,
            "covered": met,
            "missing": missing,
        }


def test_figures_for_one_unit_list_its_children(city) -> None:
    result = kgst_city.manage(city, "figures", "--unit", "Dez I", "--json")

    data = json.loads(result.stdout)
    assert data["unit"] == {"code": "Dez I", "name": "Dezernat I – Verwaltungsführung"}
    assert (
        data["units_with_target"],
        data["units_covered"],
        data["covered_total"],
        data["missing_total"],
    ) == (
        2,
        1,
        1,
        1,
    )
    assert [(row["code"], row["covered"], row["missing"]) for row in data["top_units"]] == [
        ("10", 1, 0),
        ("11", 0, 1),
    ]


def test_figures_as_text_in_german(city) -> None:
    result = kgst_city.manage(city, "figures")

    assert result.returncode == 0
    assert "Einheiten abgedeckt: 5 von 10 (50 %)" in result.stdout
    assert "Soll-Lotsen: 12, davon erfüllt 7, fehlend 5" in result.stdout
    assert "Dez I – Dezernat I – Verwaltungsführung: 1 von 2; 1 von 2, 1 fehlend" in result.stdout


def test_an_unknown_unit_exits_2_with_one_german_line(city) -> None:
    result = kgst_city.manage(city, "figures", "--unit", "99")

    assert result.returncode == 2
    assert result.stderr.strip() == "Fehler: Keine Organisationseinheit mit dem Kürzel „99“."
    assert result.stdout == ""


def _alt_texts(node) -> list[str]:  # type: ignore[no-untyped-def]
    """Alternative texts in a PDF structure tree (the charts' descriptions)."""
    node = node.get_object()
    found = [str(node["/Alt"])] if "/Alt" in node else []
    kids = node.get("/K", [])
    for kid in kids if isinstance(kids, list) else [kids]:
        if hasattr(kid, "get_object") and hasattr(kid.get_object(), "get"):
            found += _alt_texts(kid)
    return found


def _coverage_slide(session) -> deck.Slide:  # type: ignore[no-untyped-def]
    built = deck.build_deck(session=session)
    return next(slide for slide in built.slides if slide.title == "Abdeckung nach Dezernat"), built


def test_the_slide_and_both_deck_files_show_erfuellt_and_fehlend(engine, city) -> None:
    with read_session(engine) as session:
        slide, built = _coverage_slide(session)
        expected = figures.key_figures(session=session)

    values = {figure.label: (figure.value, figure.note) for figure in slide.figures}
    assert values["Organisationseinheiten abgedeckt"][0] == "5 von 10"
    assert values["Soll-Lotsen erfüllt"] == ("7 von 12", "fehlend: 5 (Summe der Lücken je Einheit)")
    assert expected.covered_total == 7 and expected.missing_total == 5
    assert slide.chart is not None
    rows = {row[0]: row[2:] for row in slide.chart.data.rows}
    # Einheiten mit Soll, abgedeckt, Soll-Lotsen, erfüllt, fehlend
    assert rows["Dez I"] == ("2", "1", "2", "1", "1")
    assert {code: tuple(int(v) for v in row) for code, row in rows.items()} == EXPECTED_BRANCHES
    bars = json.loads(slide.chart.spec)
    shares = {row["Dezernat"]: row["Anteil"] for row in next(iter(bars["datasets"].values()))}
    assert shares["Dez I"] == 50  # not 100: the surplus in 10 does not cover 11

    described = "Dez I: 50 % (1 von 2 Einheiten abgedeckt), Soll-Lotsen 1 von 2 erfüllt, 1 fehlend"
    assert described in slide.chart.description
    labels = {row["Dezernat"]: row["_label"] for row in next(iter(bars["datasets"].values()))}
    assert labels["Dez I"] == "50 % (1 von 2) · fehlend: 1"

    pdf = PdfReader(io.BytesIO(pdf_bytes(built)))
    text = " ".join(pdf.pages[1 + built.slides.index(slide)].extract_text().split())
    assert "7 von 12" in text and "fehlend: 5" in text
    assert any(described in alt for alt in _alt_texts(pdf.trailer["/Root"]["/StructTreeRoot"]))

    pptx = Presentation(io.BytesIO(pptx_bytes(built)))
    page = pptx.slides[1 + built.slides.index(slide)]
    texts = [shape.text_frame.text for shape in page.shapes if shape.has_text_frame]
    assert "7 von 12" in texts and "fehlend: 5 (Summe der Lücken je Einheit)" in texts
    (picture,) = [shape for shape in page.shapes if shape.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert described in picture._element.nvPicPr.cNvPr.get("descr")
