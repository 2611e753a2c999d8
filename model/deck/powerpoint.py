"""The deck as PowerPoint: every page a slide with a real title, charts as pictures with alt text."""

from __future__ import annotations

import io

from pptx import Presentation
from pptx.enum.text import PP_ALIGN
from pptx.slide import Slide
from pptx.text.text import _Paragraph
from pptx.util import Emu, Pt

from model.deck.content import Deck
from model.deck.layout import FONT_NAME, PAGE_HEIGHT, PAGE_WIDTH, Block, pages


def pptx_bytes(deck: Deck) -> bytes:
    """The deck as PowerPoint: every page a slide with a real title, charts as pictures with alt text."""
    presentation = Presentation()
    presentation.slide_width, presentation.slide_height = Pt(PAGE_WIDTH), Pt(PAGE_HEIGHT)
    titled = presentation.slide_layouts[5]  # "Title Only": a title screen readers announce
    for blocks in pages(deck):
        slide = presentation.slides.add_slide(titled)
        title, *rest = blocks
        _pptx_title(slide, title)
        for block in rest:
            _pptx_block(slide, block)
    buffer = io.BytesIO()
    presentation.save(buffer)
    return buffer.getvalue()


def _pptx_title(slide: Slide, block: Block) -> None:
    shape = slide.shapes.title
    assert shape is not None  # the title-only layout has its title placeholder
    shape.left, shape.top, shape.width, shape.height = Pt(block.x), Pt(block.y), Pt(block.w), Pt(block.h + 8)
    shape.text_frame.text = block.text
    _style(shape.text_frame.paragraphs[0], block.size, bold=block.bold)


def _style(paragraph: _Paragraph, size: float, *, bold: bool = False, align: str = "L") -> None:
    paragraph.alignment = PP_ALIGN.RIGHT if align == "R" else PP_ALIGN.LEFT
    for run in paragraph.runs:
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.name = FONT_NAME


def _pptx_block(slide: Slide, block: Block) -> None:
    box = (Pt(block.x), Pt(block.y), Pt(block.w), Pt(block.h))
    if block.kind == "image":
        picture = slide.shapes.add_picture(io.BytesIO(block.image), *box)
        picture._element._nvXxPr.cNvPr.set("descr", block.text)  # alt text (as pptx sets the name)
        return
    if block.kind == "table" and block.table is not None:
        rows = (block.table.columns, *block.table.rows)
        table = slide.shapes.add_table(len(rows), len(block.table.columns), *box).table
        for column, width in enumerate(block.widths):
            table.columns[column].width = Emu(int(Pt(width)))
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                cell = table.cell(r, c)
                cell.text = value
                _style(cell.text_frame.paragraphs[0], 12, bold=r == 0)
        return
    frame = slide.shapes.add_textbox(*box).text_frame
    frame.word_wrap = True
    frame.text = block.text
    _style(frame.paragraphs[0], block.size, bold=block.bold, align=block.align)
