"""The deck on the demo city: PDF (pypdf) and PowerPoint (python-pptx) with the same pages, each with
its Stand and page number, the charts as images with alt text, German umlauts, and no Lotse's name."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pypdf import PdfReader
from sqlmodel import select

from model import demo
from model.core import clock
from model.core.db import make_engine, read_session, write_session
from model.core.migrate import migrate
from model.core.tables import Pilot
from model.deck import slides as deck
from model.deck.pdf import pdf_bytes
from model.deck.powerpoint import pptx_bytes
from model.meetings import snapshots
from tests.support.actors import admin
from tests.support.vega import schema_error

NOW = datetime(2026, 11, 23, 13, 5, tzinfo=UTC)  # 14:05 Uhr in Germany
STAND = "Stand: 23.11.2026, 14:05 Uhr"
PAGES = 1 + len(deck.SLIDE_TITLES)


@pytest.fixture(scope="module")
def demo_deck(tmp_path_factory) -> Iterator[tuple[deck.Deck, bytes, bytes, list[str]]]:
    """The demo city with one saved meeting; the deck built once, as of 23.11.2026, 14:05 Uhr."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(clock, "now", lambda: NOW)
        engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('deck') / 'demo.db'}")
        migrate(engine)
        demo.seed(engine=engine, scale="demo")
        with write_session(engine) as session:
            snapshots.take_snapshot(
                session=session,
                actor=admin(),
                data=snapshots.MeetingInput(title="Sitzung vom 26.10.2026", held_on=date(2026, 10, 26)),
            )
        with read_session(engine) as session:
            built = deck.build_deck(session=session)
            names = list(session.exec(select(Pilot.name)).all())
        yield built, pdf_bytes(built), pptx_bytes(built), names
    engine.dispose()


def pdf_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def pptx_texts(pptx: bytes) -> list[str]:
    texts = []
    for slide in Presentation(io.BytesIO(pptx)).slides:
        parts = []
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if shape.has_table:
                parts += [cell.text for row in shape.table.rows for cell in row.cells]
        texts.append("\n".join(parts))
    return texts


def test_pdf_and_pptx_have_the_same_pages_each_with_stand_and_page_number(demo_deck) -> None:
    _built, pdf, pptx, _names = demo_deck

    in_pdf, in_pptx = pdf_texts(pdf), pptx_texts(pptx)

    assert len(in_pdf) == len(in_pptx) == PAGES
    for number, (page, slide) in enumerate(zip(in_pdf, in_pptx, strict=True), start=1):
        assert STAND in page and STAND in slide
        assert f"Seite {number} von {PAGES}" in page and f"Seite {number} von {PAGES}" in slide
    for title, page, slide in zip(deck.SLIDE_TITLES, in_pdf[1:], in_pptx[1:], strict=True):
        assert title in page and title in slide


def test_the_title_slide_names_the_meeting_and_umlauts_survive(demo_deck) -> None:
    _built, pdf, pptx, _names = demo_deck

    title_page, title_slide = pdf_texts(pdf)[0], pptx_texts(pptx)[0]

    for text in (title_page, title_slide):
        assert "Lotsen-Cockpit" in text and "Sitzung vom 23.11.2026" in text
    assert "Unterstützungswünsche" in pdf_texts(pdf)[1]
    assert "Maßnahmen" in pdf_texts(pdf)[4]
    assert Presentation(io.BytesIO(pptx)).slides[1].shapes.title.text == "Kernzahlen"


def test_charts_are_images_with_alt_text_in_both_files(demo_deck) -> None:
    built, pdf, pptx, _names = demo_deck
    chart_pages = [number for number, slide in enumerate(built.slides, start=2) if slide.chart is not None]

    pdf_pages = PdfReader(io.BytesIO(pdf)).pages
    pictures = {
        number: [shape for shape in slide.shapes if shape.shape_type == MSO_SHAPE_TYPE.PICTURE]
        for number, slide in enumerate(Presentation(io.BytesIO(pptx)).slides, start=1)
    }

    assert chart_pages == [3, 4]  # Rollout-Zeitplan, Abdeckung nach Dezernat
    for number in chart_pages:
        assert len(pdf_pages[number - 1].images) == 1
        (picture,) = pictures[number]
        assert picture._element.nvPicPr.cNvPr.get("descr").startswith(("Zeitplan mit", "Balkendiagramm"))
        assert picture.image.content_type == "image/png"
    assert sum(len(found) for found in pictures.values()) == len(chart_pages)


def test_every_deck_chart_is_valid_vega_lite(demo_deck) -> None:
    """The deck builds its specs without Altair's schema check (model.charts.specs): checked here."""
    built, _pdf, _pptx, _names = demo_deck
    specs = [json.loads(slide.chart.spec) for slide in built.slides if slide.chart is not None]
    assert len(specs) == 2
    for spec in specs:
        assert schema_error(spec) is None, schema_error(spec)


def test_no_lotse_name_appears_in_either_file(demo_deck) -> None:
    _built, pdf, pptx, names = demo_deck
    text = "\n".join(pdf_texts(pdf) + pptx_texts(pptx))

    assert len(names) >= 25
    leaked = [name for name in names if name in text or name in re.sub(r"\s+", " ", text)]
    assert leaked == []


def test_the_comparison_slide_compares_with_the_saved_meeting(demo_deck) -> None:
    built, pdf, _pptx, _names = demo_deck

    slide = built.slides[4]

    assert slide.subtitle == "Vergleich mit „Sitzung vom 26.10.2026“ (Sitzung am 26.10.2026)"
    assert "Sitzung vom 26.10.2026" in pdf_texts(pdf)[5]


def test_file_names_carry_the_meeting_date(demo_deck) -> None:
    built, pdf, pptx, _names = demo_deck

    assert deck.file_name(built, "pdf") == "Lotsen-Cockpit_Sitzung_2026-11-23.pdf"
    assert deck.file_name(built, "pptx") == "Lotsen-Cockpit_Sitzung_2026-11-23.pptx"
    assert pdf.startswith(b"%PDF") and pptx.startswith(b"PK")


def test_status_is_written_with_a_symbol_not_by_colour_alone(demo_deck) -> None:
    built, _pdf, _pptx, _names = demo_deck

    measures = built.slides[3].table
    assert measures is not None and measures.columns == ("Maßnahme", "OE", "Status", "Ampel", "Ende")
    assert {row[3] for row in measures.rows} <= {"✓ grün", "▲ gelb", "■ rot"}
    assert all(re.fullmatch(r"Q[1-4] \d{4}|–", row[4]) for row in measures.rows)
