"""German formatting of numbers, dates and quarters, for tables, tiles and chart labels."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

TIMEZONE = ZoneInfo("Europe/Berlin")
MONTHS = ["Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez."]

# Vega expressions for axis labels (Streamlit drops vega-embed's formatLocale option).
VEGA_NUMBER = (
    "replace(replace(replace(format(datum.value, ',.{p}f'), regexp(',', 'g'), '#'), '.', ','),"
    " regexp('#', 'g'), '.')"
)
VEGA_DATE = "timeFormat(datum.value, '%d.%m.%Y')"
VEGA_MONTH = (
    "['Jan.','Feb.','März','Apr.','Mai','Juni','Juli','Aug.','Sept.','Okt.','Nov.','Dez.']"
    "[month(datum.value)] + ' ' + year(datum.value)"
)


def vega_number(decimals: int = 0) -> str:
    return VEGA_NUMBER.format(p=decimals)


GERMAN_SEPARATORS = str.maketrans({",": ".", ".": ","})


def fmt_number(value: float | int | None, decimals: int = 0) -> str:
    """1234.5 → '1.234,5' (German grouping and decimal comma)."""
    if value is None:
        return "–"
    return f"{value:,.{decimals}f}".translate(GERMAN_SEPARATORS)


def amount_text(value: float | None, decimals: int = 2) -> str:
    """A number for a text field in German format, without needless decimals: 1.250 · 0,75."""
    if value is None or pd.isna(value):
        return ""
    text = fmt_number(value, decimals)
    return text.rstrip("0").rstrip(",") if "," in text else text


def fmt_column(values: pd.Series, text: Callable[[Any], str]) -> pd.Series:
    """`text` applied to a whole column, once per distinct value; missing values show "–".

    Table and tooltip columns of thousands of rows hold few distinct scores, quarters or efforts:
    formatting each distinct value once keeps a page's Python work from growing with its rows.
    """
    present = values.dropna()
    texts = {value: text(value) for value in present.unique()}
    return values.map(texts).astype(object).where(values.notna(), "–")


def fmt_percent(share: float | None, decimals: int = 0) -> str:
    """0.425 → '42,5 %' (German spacing)."""
    return "–" if share is None else f"{fmt_number(share * 100, decimals)} %"


def fmt_euro(value: float | None) -> str:
    return "–" if value is None else f"{fmt_number(value, 0)} €"


def fmt_date(value: date | datetime | None) -> str:
    """date → '23.11.2026'."""
    return "–" if value is None else value.strftime("%d.%m.%Y")


def fmt_datetime(value: datetime | None) -> str:
    """UTC datetime → '23.11.2026, 14:05 Uhr' in German local time (naive values count as UTC)."""
    if value is None:
        return "–"
    local = (value if value.tzinfo else value.replace(tzinfo=ZoneInfo("UTC"))).astimezone(TIMEZONE)
    return local.strftime("%d.%m.%Y, %H:%M Uhr")


def fmt_quarter(quarter: str | None) -> str:
    """'2026-Q3' → 'Q3 2026'."""
    if not quarter:
        return "–"
    year, q = quarter.split("-")
    return f"{q} {year}"


def fmt_signed(value: float | int, decimals: int = 0) -> str:
    """Change figure with sign: '+3', '−2', '±0'."""
    if value == 0:
        return "±0"
    sign = "+" if value > 0 else "−"
    return f"{sign}{fmt_number(abs(value), decimals)}"


# Streamlit's own labels that a German screen reader would read out in English (WCAG 3.1.2).
STREAMLIT_LABELS = {
    "Skip to main content": "Zum Hauptinhalt springen",
    "Collapse sidebar": "Seitenleiste einklappen",
    "Expand sidebar": "Seitenleiste ausklappen",
    "Link to heading": "Link zu dieser Überschrift",
    "App pages": "Seiten der Anwendung",
    "Sidebar": "Seitenleiste",
    "Open": "Öffnen",
    "Clear all": "Alle entfernen",
    "Browse files": "Dateien auswählen",
    "Drag and drop file here": "Datei hierher ziehen",
    "Drag and drop files here": "Dateien hierher ziehen",
    "Upload": "Hochladen",
    "file upload": "Datei hochladen",
    "Show password": "Passwort anzeigen",
    "Hide password": "Passwort verbergen",
    "view more": "mehr anzeigen",
    "view less": "weniger anzeigen",
    "Close": "Schließen",
}
STREAMLIT_PREFIXES = {"Help for ": "Hilfe zu "}
_GERMAN_PAGE = r"""(() => {
  document.documentElement.lang = "de";
  if (window.lcGerman) return;
  window.lcGerman = true;
  const words = %(words)s, prefixes = %(prefixes)s;
  const german = (text) => {
    if (Object.hasOwn(words, text)) return words[text];
    for (const [english, translated] of Object.entries(prefixes)) {
      if (text.startsWith(english)) return translated + text.slice(english.length);
    }
    const limit = /^(\S+) per file(.*)$/.exec(text);  // the upload limit: "20MB per file • XLSX, CSV"
    return limit ? `höchstens ${limit[1]} je Datei${limit[2]}` : null;
  };
  const labelled = "a[aria-label], button[aria-label], nav[aria-label], section[aria-label], " +
    "[role=region][aria-label], input[aria-label]";
  const texts = "a[href='#stMain'], [data-testid=stFileUploaderDropzoneInstructions] span, " +
    "[data-testid=stFileUploaderDropzone] button p, [data-testid=stToastViewButton]";
  // A table wider than the screen (a phone) scrolls sideways: keyboard users must reach it (WCAG 2.1.1).
  const scrollable = () => {
    for (const box of document.querySelectorAll("[data-testid=stTable] > div")) {
      if (box.scrollWidth > box.clientWidth + 1) {
        if (!box.hasAttribute("tabindex")) {
          box.setAttribute("tabindex", "0");
          box.setAttribute("role", "region");
          box.setAttribute("aria-label", "Tabelle, seitlich verschiebbar");
        }
      } else if (box.getAttribute("role") === "region") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    }
  };
  const translate = () => {
    scrollable();
    for (const element of document.querySelectorAll(labelled)) {
      const label = german(element.getAttribute("aria-label"));
      if (label) element.setAttribute("aria-label", label);
    }
    for (const element of document.querySelectorAll(texts)) {
      for (const node of element.childNodes) {
        const text = node.nodeType === Node.TEXT_NODE ? german(node.textContent.trim()) : null;
        if (text) node.textContent = text;
      }
    }
  };
  let queued = false;
  new MutationObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; translate(); });
  }).observe(document.body, {
    subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ["aria-label"],
  });
  window.addEventListener("resize", () => requestAnimationFrame(scrollable));
  translate();
})();"""
# Static text, so that the Content-Security-Policy can name it by its hash (gateway/headers.py).
GERMAN_PAGE_SCRIPT = _GERMAN_PAGE % {
    "words": json.dumps(STREAMLIT_LABELS),
    "prefixes": json.dumps(STREAMLIT_PREFIXES),
}


def set_document_language() -> None:
    """Streamlit serves <html lang="en"> and labels its own controls in English; screen readers must
    read German (WCAG 3.1.1, 3.1.2). One script per page: the language, and a watcher that gives
    Streamlit's labels their German wording whenever Streamlit draws them."""
    st.html(f"<script>{GERMAN_PAGE_SCRIPT}</script>", unsafe_allow_javascript=True)
