"""The deck as a PDF: 16:9 pages, Source Sans Pro embedded, charts as images with alt text."""

from __future__ import annotations

import io

from fpdf import FPDF

from model.deck.content import PRODUCT, Deck
from model.deck.layout import (
    FONT_BOLD,
    FONT_NAME,
    FONT_REGULAR,
    MARGIN,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    Block,
    pages,
)


def pdf_bytes(deck: Deck) -> bytes:
    """The deck as a PDF (16:9 pages, Source Sans Pro embedded, charts as images with alt text)."""
    pdf = FPDF(orientation="landscape", unit="pt", format=(PAGE_HEIGHT, PAGE_WIDTH))
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.add_font(FONT_NAME, "", FONT_REGULAR)
    pdf.add_font(FONT_NAME, "B", FONT_BOLD)
    pdf.set_title(deck.title)
    pdf.set_lang("de-DE")
    pdf.set_creator(PRODUCT)
    for blocks in pages(deck):
        pdf.add_page()
        for block in blocks:
            _pdf_block(pdf, block)
    return bytes(pdf.output())


def _pdf_block(pdf: FPDF, block: Block) -> None:
    if block.kind == "image":
        pdf.image(io.BytesIO(block.image), block.x, block.y, w=block.w, h=block.h, alt_text=block.text)
        return
    if block.kind == "table" and block.table is not None:
        pdf.set_xy(block.x, block.y)
        pdf.set_font(FONT_NAME, "", 12)
        with pdf.table(
            width=block.w, col_widths=block.widths, text_align="LEFT", line_height=15, padding=3, align="LEFT"
        ) as table:
            for values in (block.table.columns, *block.table.rows):
                row = table.row()
                for value in values:
                    row.cell(value)
        return
    pdf.set_font(FONT_NAME, "B" if block.bold else "", block.size)
    pdf.set_xy(block.x, block.y)
    pdf.multi_cell(block.w, block.size * 1.2, block.text, align=block.align)
