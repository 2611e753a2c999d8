"""Where everything of a slide goes on a 16:9 page: one layout, shared by the PDF and the PPTX writer."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import font_source_sans_pro
from PIL import Image

from model.core.german import fmt_date as _date
from model.deck.charts import chart_image
from model.deck.content import PRODUCT, Deck, Figure, Slide, Table

PAGE_WIDTH, PAGE_HEIGHT, MARGIN = 960.0, 540.0, 36.0  # points: 13.33 × 7.5 inches (16:9)
CONTENT_BOTTOM = PAGE_HEIGHT - 44
FONT_REGULAR = font_source_sans_pro.font_files_ttf["SourceSansPro"]
FONT_BOLD = font_source_sans_pro.font_files_ttf["SourceSansProBold"]
FONT_NAME = "Source Sans Pro"


@dataclass(frozen=True)
class Block:
    """One thing on a page, positioned in points from the top left."""

    kind: str  # "text", "image" or "table"
    x: float
    y: float
    w: float
    h: float
    text: str = ""
    size: float = 14
    bold: bool = False
    align: str = "L"
    image: bytes = b""
    table: Table | None = None
    widths: tuple[float, ...] = ()


def _text(
    x: float, y: float, w: float, text: str, size: float, *, bold: bool = False, align: str = "L"
) -> Block:
    return Block("text", x, y, w, size * 1.35, text=text, size=size, bold=bold, align=align)


def _frame(deck: Deck, title: str, number: int, total: int) -> list[Block]:
    width = PAGE_WIDTH - 2 * MARGIN
    return [
        _text(MARGIN, 24, width * 0.62, title, 28, bold=True),
        _text(MARGIN + width * 0.62, 32, width * 0.38, deck.stand, 13, align="R"),
        _text(MARGIN, PAGE_HEIGHT - 30, width * 0.7, deck.title, 10),
        _text(
            MARGIN + width * 0.7, PAGE_HEIGHT - 30, width * 0.3, f"Seite {number} von {total}", 10, align="R"
        ),
    ]


def _figure_blocks(figures: Sequence[Figure], top: float) -> tuple[list[Block], float]:
    per_row = 3 if len(figures) > 4 else max(len(figures), 1)
    width = (PAGE_WIDTH - 2 * MARGIN) / per_row
    blocks: list[Block] = []
    for index, figure in enumerate(figures):
        x = MARGIN + (index % per_row) * width
        y = top + (index // per_row) * 78
        blocks += [
            _text(x, y, width - 12, figure.value, 30, bold=True),
            _text(x, y + 40, width - 12, figure.label, 13),
        ]
        if figure.note:
            blocks.append(_text(x, y + 58, width - 12, figure.note, 11))
    rows = -(-len(figures) // per_row) if figures else 0
    return blocks, top + rows * 78


def _image_block(png: bytes, description: str, top: float, bottom: float) -> Block:
    with Image.open(io.BytesIO(png)) as image:
        pixels_w, pixels_h = image.size
    box_w, box_h = PAGE_WIDTH - 2 * MARGIN, max(bottom - top, 40)
    scale = min(box_w / pixels_w, box_h / pixels_h)
    w, h = pixels_w * scale, pixels_h * scale
    return Block("image", MARGIN + (box_w - w) / 2, top, w, h, text=description, image=png)


def _table_block(table: Table, top: float) -> Block:
    width = PAGE_WIDTH - 2 * MARGIN
    lengths = [max([len(c) for c in column] + [8]) for column in zip(table.columns, *table.rows, strict=True)]
    widths = tuple(width * n / sum(lengths) for n in lengths)
    return Block("table", MARGIN, top, width, 22.0 * (len(table.rows) + 1), table=table, widths=widths)


def layout(deck: Deck, slide: Slide, *, number: int, total: int) -> list[Block]:
    """Where everything of one slide goes on a 16:9 page (the PDF and the PPTX share it)."""
    blocks = _frame(deck, slide.title, number, total)
    top = 78.0
    if slide.subtitle:
        blocks.append(_text(MARGIN, top, PAGE_WIDTH - 2 * MARGIN, slide.subtitle, 14))
        top += 28
    figures, top = _figure_blocks(slide.figures, top + 4)
    blocks += figures
    lines_top = CONTENT_BOTTOM - 20 * len(slide.lines)
    if slide.table is not None:
        table = _table_block(slide.table, top + 6)
        blocks.append(table)
        top = table.y + table.h
    if slide.chart is not None:
        blocks.append(
            _image_block(chart_image(slide.chart.spec), slide.chart.description, top + 6, lines_top - 6)
        )
    for index, line in enumerate(slide.lines):
        blocks.append(_text(MARGIN, lines_top + 20 * index, PAGE_WIDTH - 2 * MARGIN, line, 13))
    return blocks


def title_layout(deck: Deck, *, total: int) -> list[Block]:
    width = PAGE_WIDTH - 2 * MARGIN
    return [
        _text(MARGIN, 170, width, PRODUCT, 44, bold=True),
        _text(MARGIN, 236, width, f"Sitzung vom {_date(deck.meeting_on)}", 28),
        _text(MARGIN, 290, width, deck.stand, 18),
        _text(
            MARGIN,
            322,
            width,
            "Programm „Digitale Lotsinnen und Lotsen“ – zusammengefasste Zahlen, ohne Personenbezug.",
            14,
        ),
        _text(MARGIN + width * 0.7, PAGE_HEIGHT - 30, width * 0.3, f"Seite 1 von {total}", 10, align="R"),
    ]


def pages(deck: Deck) -> list[list[Block]]:
    """The title page and one page per slide, each with its blocks."""
    total = len(deck.slides) + 1
    return [title_layout(deck, total=total)] + [
        layout(deck, slide, number=index + 2, total=total) for index, slide in enumerate(deck.slides)
    ]
