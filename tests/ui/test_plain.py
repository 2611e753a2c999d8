"""ui.plain.escaped: user text inside Markdown shows as typed, and nothing in it is interpreted.

Two checks. A CommonMark + GFM renderer (markdown-it-py) must produce a single paragraph of text
whose visible characters are exactly the input. And the rules Streamlit's frontend applies on top
(StreamlitMarkdown.tsx: directives, :material/…: icons, :streamlit:, emoji, KaTeX, GFM's bare links
and the typographic arrows, several of which look at the text after the backslashes are gone)
find nothing to turn into an element. The browser test (tests/e2e/test_markdown_names.py) shows
the same in Chromium.
"""

from __future__ import annotations

import ast
import html
import re
from pathlib import Path

import pandas as pd
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
    frame = pd.DataFrame({"[Name](http://x.example)": ["![x](http://x.example/i.png)"], "Zahl": [3]})
    shown = escaped_cells(frame)
    assert list(shown.columns) == [escaped("[Name](http://x.example)"), "Zahl"]
    assert shown.iloc[0, 0] == escaped("![x](http://x.example/i.png)")
    assert shown.iloc[0, 1] == 3


# ---------------------------------------------------------------- the structural guard

ROOT = Path(__file__).resolve().parents[2]
# Streamlit elements that render their text as Markdown; for st.metric label, value and delta.
MARKDOWN_TEXT = {
    "caption", "markdown", "write", "header", "subheader", "title", "success", "info", "warning",
    "error", "toast", "expander", "popover", "progress", "metric", "page_link", "tabs",
}  # fmt: skip
# Widgets: their label (first argument or label=) and help are Markdown too.
WIDGETS = {
    "button", "form_submit_button", "download_button", "link_button", "selectbox", "multiselect",
    "radio", "checkbox", "toggle", "text_input", "text_area", "number_input", "date_input",
    "time_input", "slider", "select_slider", "file_uploader", "color_picker", "pills",
    "segmented_control", "chat_input",
}  # fmt: skip
# Choices whose options are drawn as Markdown (st.selectbox and st.multiselect show them as text).
CHOICES = {"radio", "pills", "segmented_control"}
MARKDOWN_KEYWORDS = {"body", "label", "help", "value", "delta", "text"}
# Calls whose result is safe inside Markdown: escaped text, or numbers and labels the app formats.
SAFE_CALLS = {
    "escaped", "fmt_number", "fmt_date", "fmt_datetime", "fmt_percent", "fmt_euro", "len", "label",
    "stage_label", "amount_text", "quarter_label",
}  # fmt: skip
# Reviewed: what each of these expressions holds is the app's own text (constants, numbers, labels,
# messages its callers have escaped). A new expression here needs the same review.
REVIEWED = {
    "pages/abdeckung.py": {"rule_text(figures.rule)"},  # numbers and constant text
    "pages/it-strukturen.py": {"HEATMAP_ROWS", "it_staff.MIN_UNITS"},
    "pages/lotsen.py": {"FEED_ROWS", "share", "summary"},  # summary: pilot_views.progress_text
    "pages/mein-status.py": {"share", "summary"},
    "pages/praesentation.py": {"interval", "index", "total"},
    "pages/roadmap.py": {
        "note",
        "undated",
        "undated.strip()",
        "explanation.priority_class",
        "scoring.class_rules_text()",
    },  # fmt: skip
    "pages/uebersicht.py": {"title", "text"},  # panel titles and link texts written in the page
    "pages/verwaltung.py": {"list(TABS)"},
    "ui/admin_exchange.py": {
        "shown",
        "total",
        "share",
        "text",
        "records",
        "lines",
        "message",
        "str(exc)",
        "lead or f'{fmt_number(error_count)} Fehler gefunden – es wird nichts importiert. Bitte die "
        "Datei korrigieren und erneut hochladen.'",
        "more",  # "… und 999.500 weitere Fehler": a number and a constant noun
        "more[2:]",
        "exchange.more_line(error_count - len(errors), more)",
        "limit",  # the row limit, a number
    },  # fmt: skip
    "ui/admin/accounts.py": {"POLICY"},
    "ui/admin/programme.py": {"title"},
    "ui/admin/measures.py": {"IDEA_DECISIONS.get"},
    "ui/admin/units.py": {"rules.get"},  # enum labels
    "ui/auth.py": {
        "st.session_state[NOTICE_KEY]",  # set in ui/auth.py from constant text
        "_refusal(outcome.wait_until)",  # constant text and a time
    },
    "ui/errors.py": {"message(reference)", "str(error)"},  # StorageError: constant texts (model/core/db.py)
    "ui/feedback.py": {"message"},  # every caller escapes the user text in it (ui/commands.py)
    "ui/filters.py": {"st.session_state[NOTICE_KEY]"},  # escaped where it is set
    "ui/pickers.py": {"noun", "search_label"},
    "ui/pilot_views.py": {"empty"},
    "ui/roadmap_forms.py": {
        "label",
        "name",
        "labels['efa']",
        "labels['title']",
        "labels['description']",
        "labels['decision_ref']",
        "FIELD_LABELS[key]",
        "FIELD_LABELS['cost_operating']",
        "FIELD_LABELS['cost_capital']",
        "FIELD_LABELS['person_days']",
    },  # fmt: skip
    "ui/slides.py": {  # model.deck.slides's fixed titles, labels and numbers; user text is escaped there
        "number",
        "slide.title",
        "table.description",
        "figure.label",
        "figure.value",
    },  # fmt: skip
}


def _unchecked(node: ast.expr) -> list[str]:
    """The parts of a text expression that are neither literal nor made safe by SAFE_CALLS."""
    if isinstance(node, ast.Constant):
        return []
    if isinstance(node, ast.JoinedStr):
        parts = [value.value for value in node.values if isinstance(value, ast.FormattedValue)]
        return [found for part in parts for found in _unchecked(part)]
    if isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        if name in SAFE_CALLS:
            return []
        if name == "join" and node.args:
            return _unchecked(node.args[0])
    if isinstance(node, ast.BinOp):
        return _unchecked(node.left) + _unchecked(node.right)
    if isinstance(node, ast.IfExp):
        return _unchecked(node.body) + _unchecked(node.orelse)
    if isinstance(node, ast.GeneratorExp | ast.ListComp):
        return _unchecked(node.elt)
    if isinstance(node, ast.List | ast.Tuple):
        return [found for element in node.elts for found in _unchecked(element)]
    return [ast.unparse(node)]


def _markdown_texts(call: ast.Call) -> list[ast.expr]:
    assert isinstance(call.func, ast.Attribute)
    name = call.func.attr
    keywords = {keyword.arg: keyword.value for keyword in call.keywords if keyword.arg}
    if name == "page_link":
        return [keywords["label"]] if "label" in keywords else []
    if name in MARKDOWN_TEXT:
        positional = call.args[: 3 if name == "metric" else 1]
        return [*positional, *(value for key, value in keywords.items() if key in MARKDOWN_KEYWORDS)]
    if name in CHOICES:  # the options themselves are Markdown: the text format_func gives them
        shown = keywords.get("format_func", call.args[1] if len(call.args) > 1 else keywords.get("options"))
        texts = ("label", "help", "captions")
        return [*call.args[:1], *(value for key, value in keywords.items() if key in texts), *[shown][:1]]
    if name in WIDGETS:
        return [*call.args[:1], *(value for key, value in keywords.items() if key in ("label", "help"))]
    return [keywords["help"]] if "help" in keywords else []


def test_every_markdown_element_gets_literal_or_escaped_text() -> None:
    """Each text given to an element that renders Markdown is a literal, escaped or reviewed."""
    unreviewed = []
    files = sorted([*ROOT.glob("pages/*.py"), *ROOT.glob("ui/*.py"), ROOT / "app.py"])
    for path in files:
        where = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                for text in _markdown_texts(node):
                    unreviewed += [
                        f"{where}:{node.lineno} {node.func.attr}: {expression}"
                        for expression in _unchecked(text)
                        if expression not in REVIEWED.get(where, set())
                    ]
    assert unreviewed == [], "user text must go through ui.plain.escaped():\n" + "\n".join(unreviewed)
