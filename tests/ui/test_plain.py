"""ui.plain.escaped: user text inside Markdown shows as typed, and nothing in it is interpreted.

Two checks. A CommonMark + GFM renderer (markdown-it-py) must produce a single paragraph of text
whose visible characters are exactly the input. And the rules Streamlit's frontend applies on top
(StreamlitMarkdown.tsx: directives, :material/…: icons, :streamlit:, emoji, KaTeX, GFM's bare links
and the typographic arrows, several of which look at the text after the backslashes are gone)
find nothing to turn into an element. The browser test (tests/e2e/test_markdown_names.py) shows
the same in Chromium.
"""

from __future__ import annotations

import html
import re

import pytest
from markdown_it import MarkdownIt

from ui.plain import JOINER, escaped, escaped_cells

RENDERER = MarkdownIt("commonmark").enable(["table", "strikethrough"])
# Elements a Markdown construct leaves; plain text is one <p> with text and line breaks only.
TAGS = re.compile(r"<(?!/?p>|br />)[^>]+>")

CONSTRUCTS = [
    "![x](http://127.0.0.1:8000/img.png)",
    "[klick](http://127.0.0.1:8000/link)",
    '[klick](http://127.0.0.1:8000/link "Titel")',
    "[ref]\n\n[ref]: http://127.0.0.1:8000/ref",
    "<img src=http://127.0.0.1:8000/h.png>",
    "<http://127.0.0.1:8000/auto>",
    "<a@b.de>",
    "http://127.0.0.1:8000/bare https://x.example/y",
    "www.example.com WWW.Example.com",
    "Mail an a.b+c@stadt.example",
    ":red[rot] :blue-background[blau] :red-badge[b] :color[x]{foreground=red}",
    ":small[klein] :help[Hilfe] :shimmer[x]",
    ":material/home: Haus :streamlit: Logo :smile: :+1:",
    "$x^2$ und $$a$$",
    "**fett** __fett__ *kursiv* _kursiv_ ~~durch~~ ~durch~ `code` ``co`de``",
    "# Überschrift\n## zwei\nText\n===",
    "1. eins\n2) zwei\n- strich\n+ plus\n* stern\n> zitat\n- [ ] Aufgabe",
    "a | b\n--|--\n1 | 2",
    "---\n***\n___",
    "    eingerückt\n\n```\ncode\n```\n~~~\ncode\n~~~",
    "A -> B <- C <-> D -- E >= 1 <= 2 ~= 3",
    "&amp; &#60;script&#62; &copy;",
    "Zeile mit zwei Leerzeichen  \nund Backslash\\\nam Ende",
    "back\\slash \\:red[x] \\*",
    "<!-- Kommentar --> <b>fett</b> <script>alert(1)</script>",
    "Fußnote[^1]\n\n[^1]: Text",
]
PLAIN = [
    "Amt für Digitales",
    "Fachbereich 40 – Schule, Bildung & Sport (Schulverwaltung)",
    "Müller-Lüdenscheidt, Änne",
    "Dezernat I · Oberbürgermeisterin",
    "2026-Q3 bis 2027-Q2, 12,5 % der Kosten",
]


def rendered(markdown: str) -> str:
    return RENDERER.render(markdown)


def visible(rendered_html: str) -> str:
    """What a reader sees: the text without tags, entities decoded, the invisible joiners dropped."""
    text = re.sub(r"<br />\n?", "\n", rendered_html)
    text = re.sub(r"</?p>", "", text)
    return html.unescape(text).replace(JOINER, "").strip("\n")


def text_after_escapes(markdown: str) -> str:
    """The text Streamlit's plugins see once the parser has removed the backslashes."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


@pytest.mark.parametrize("text", CONSTRUCTS + PLAIN)
def test_every_markdown_construct_renders_as_the_typed_text(text: str) -> None:
    shown = rendered(escaped(text))
    assert TAGS.findall(shown) == []
    # The same characters; runs of white space count as one, as in the browser.
    assert " ".join(visible(shown).split()) == " ".join(text.split())


@pytest.mark.parametrize("text", CONSTRUCTS)
def test_nothing_is_left_for_streamlits_own_markdown_rules(text: str) -> None:
    source = escaped(text)
    after = text_after_escapes(source)
    # Directives (:red[…], :small[…], :help[…]) need an unescaped colon before a name.
    assert not re.search(r"(?<!\\):[a-z][\w-]*[\[{]", source)
    assert ":material/" not in source  # replaced in the source before parsing
    assert ":streamlit:" not in after  # the logo, found in the text
    assert not re.search(r":(?!material\/|streamlit:)[\w+-][\w_+-]*:", source)  # emoji shortcodes
    assert not re.search(r"\$\$[\s\S]+?\$\$|(?<!\\)\$(?!\s)[^$\n]+?(?<![\s\\])\$", source)  # KaTeX
    assert not re.search(r"(?i)(https?://|www(?=\.))", after)  # GFM bare links, found in the text
    assert not re.search(r"[-.\w+]+@[-\w]+(\.[-\w]+)+", after)  # bare e-mail addresses
    assert not re.search(r"(^|\s)(<->|->|<-|--|>=|<=|~=)(\s|$)", after)  # typographic arrows


@pytest.mark.parametrize("text", PLAIN)
def test_plain_text_only_gains_backslashes(text: str) -> None:
    assert html.unescape(text_after_escapes(escaped(text))).replace(JOINER, "") == text


def test_table_cells_and_headers_are_escaped_and_numbers_kept() -> None:
    import pandas as pd

    frame = pd.DataFrame({"[Name](http://x.example)": ["![x](http://x.example/i.png)"], "Zahl": [3]})
    shown = escaped_cells(frame)
    assert list(shown.columns) == [escaped("[Name](http://x.example)"), "Zahl"]
    assert shown.iloc[0, 0] == escaped("![x](http://x.example/i.png)")
    assert shown.iloc[0, 1] == 3
