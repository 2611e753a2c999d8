"""The page in German where Streamlit writes English: the document language and Streamlit's own labels.

Numbers, dates and quarters are written by model.core.german (no Streamlit there).
"""

from __future__ import annotations

import json

import streamlit as st

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
