"""Verwaltung: the tabs Import/Export, Audit-Log and Sicherung (pages/verwaltung.py calls them).

Each part checks the admin role itself (defence in depth) and clears the cache after writes.
"""

from __future__ import annotations

import hashlib
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import streamlit as st

from model import audit_log, backup, clock, exchange
from model.admin_guard import require_admin
from model.auth_store import UserInfo
from model.db import get_engine, read_session, write_session
from model.enums import Role
from ui import cache, feedback
from ui.feedback import FormRound
from ui.locale import fmt_number
from ui.plain import escaped, escaped_cells
from ui.tables import download_buttons, show_table

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOAD_ROUND = "adm_exchange_round"  # a new round gives empty uploaders after a write
PLAN_KEY = "adm_exchange_plan"
IMPORT_AREA = "adm_import"
IMPORT_FORM = FormRound("adm_import")  # a new round after a write: empty uploader, checkbox unticked
FLASH_KEY = "adm_exchange_flash"
AUDIT_DAYS = 30
SHOWN_ERRORS = 100  # on screen; the downloads hold every error


def _admin_only(user: UserInfo) -> bool:
    if user.role is Role.ADMIN:
        return True
    st.error("Diesen Bereich darf nur das CDO-Büro (Administration) nutzen.")
    return False


def _round() -> int:
    return int(st.session_state.get(UPLOAD_ROUND, 0))


def _finish_write(message: str) -> None:
    """Fresh figures everywhere, empty uploaders, the confirmation (Markdown-safe) on the next run."""
    cache.clear_after_write()
    st.session_state[UPLOAD_ROUND] = _round() + 1
    st.session_state.pop(PLAN_KEY, None)
    st.session_state[FLASH_KEY] = message
    st.rerun()


def _show_flash() -> None:
    message = st.session_state.pop(FLASH_KEY, None)
    if message:
        st.success(message)


# ---------------------------------------------------------------- Import/Export


def _full_export(username: str) -> bytes:
    with read_session() as session:
        data = exchange.export_workbook(session=session)
    with write_session() as session:
        exchange.record_export(session=session, actor=username, what="Gesamtexport (Verwaltung)")
    cache.clear_after_write()  # the audit log shows the export at once
    return data


def _downloads(user: UserInfo) -> None:
    stamp = clock.today().isoformat()
    left, right = st.columns(2)
    left.download_button(
        "Vorlage herunterladen (.xlsx)",
        data=exchange.template_workbook,
        file_name="Lotsen-Cockpit_Vorlage.xlsx",
        mime=XLSX_MIME,
        key="adm_exchange_template",
        on_click="ignore",
        help="Die Arbeitsmappe einer leeren Datenbank: alle Blätter mit ihren Spaltenüberschriften.",
    )
    right.download_button(
        "Gesamtexport herunterladen (.xlsx)",
        data=lambda: _full_export(user.username),
        file_name=f"Lotsen-Cockpit_Export_{stamp}.xlsx",
        mime=XLSX_MIME,
        key="adm_exchange_export",
        on_click="ignore",
        help="Alle Organisationseinheiten, Lotsen, Maßnahmen, IT-Personal und Förderprogramme.",
    )


def _plan_for(files: list[tuple[str, bytes]]) -> exchange.ImportPlan | None:
    """The dry run of these files (kept while the same files stay uploaded); None if refused."""
    digest = hashlib.sha256()
    for name, content in files:
        digest.update(name.encode() + b"\0" + hashlib.sha256(content).digest())
    cached = st.session_state.get(PLAN_KEY)
    if cached is not None and cached[0] == digest.hexdigest():
        return cached[1]
    try:
        parsed = exchange.read_upload(files=files)
    except exchange.UploadError as exc:
        st.error(escaped(str(exc)))
        return None
    with read_session() as session:
        plan = exchange.plan_import(session=session, parsed=parsed)
    st.session_state[PLAN_KEY] = (digest.hexdigest(), plan)
    return plan


def _static_table(frame: pd.DataFrame, *, alt: str) -> None:
    """A plain HTML table (screen readers and browser search read it); text cells escaped."""
    st.table(escaped_cells(frame), hide_index=True, alt=alt)


def _show_errors(errors: list[exchange.RowError], *, lead: str | None = None) -> None:
    st.error(
        lead
        or f"{fmt_number(len(errors))} Fehler gefunden – es wird nichts importiert. "
        "Bitte die Datei korrigieren und erneut hochladen."
    )
    frame = exchange.error_frame(errors)
    if len(frame) > SHOWN_ERRORS:
        st.caption(
            f"Die ersten {fmt_number(SHOWN_ERRORS)} von {fmt_number(len(frame))} Fehlern; "
            "alle stehen in den Downloads."
        )
    _static_table(frame.head(SHOWN_ERRORS), alt="Importfehler mit Blatt, Zeile, Spalte und Grund")
    download_buttons(frame, name="Importfehler", key="adm_exchange_errors")


def _show_notices(plan: exchange.ImportPlan) -> None:
    if not plan.notices:
        return
    st.warning(
        f"{fmt_number(len(plan.notices))} Hinweise: was der Import übergeht oder anders liest, als die "
        "Datei es zeigt. Bitte prüfen."
    )
    _static_table(plan.notice_frame(), alt="Hinweise zum Import mit Blatt, Zeilen, Spalte und Hinweis")


def _show_changes(plan: exchange.ImportPlan) -> None:
    created = sum(s.created for s in plan.sheets)
    changed = sum(s.changed for s in plan.sheets)
    unchanged = sum(s.unchanged for s in plan.sheets)
    st.markdown("**Änderungen im Einzelnen**")
    st.caption(
        f"{fmt_number(created)} neu, {fmt_number(changed)} geändert (je geändertem Feld eine Zeile mit "
        f"bisherigem und neuem Wert), {fmt_number(unchanged)} unverändert."
    )
    show_table(
        plan.change_frame(),
        name="Importänderungen",
        key=IMPORT_FORM.key("changes"),
        column_config={
            "Zeile": st.column_config.NumberColumn(width="small"),
        },
    )


def _warn_mixups(plan: exchange.ImportPlan) -> None:
    """Probable key mix-ups first: each record with its old → new values."""
    mixups = plan.mixups
    lines = "\n".join(f"- {escaped(change.line())}" for change in mixups)
    st.warning(
        f"**{fmt_number(len(mixups))} wahrscheinlich verwechselte Schlüssel:** bei "
        f"{'diesem Datensatz ändern' if len(mixups) == 1 else 'diesen Datensätzen ändern'} sich Name und "
        "Zuordnung zugleich – vermutlich ist ein anderer Datensatz gemeint (z. B. ein Kürzel „010“, das "
        "die Tabellenkalkulation als Zahl 10 gespeichert hat). Geschrieben wird das nur, wenn Sie unten "
        f"„Umbenennungen bestätigen“ ankreuzen.\n\n{lines}"
    )


def _confirm_mixups() -> bool:
    return st.checkbox(
        "Umbenennungen bestätigen",
        key=IMPORT_FORM.key("accept_renames"),
        help="Nur ankreuzen, wenn diese Datensätze wirklich so umbenannt und verschoben werden sollen.",
    )


def _apply(user: UserInfo, plan: exchange.ImportPlan, *, accept_renames: bool) -> None:
    bar = st.progress(0.0, text="Import läuft …")
    try:
        with write_session() as session:
            require_admin(session=session, actor=user.username)
            result = exchange.apply_import(
                session=session,
                plan=plan,
                actor=user.username,
                accept_renames=accept_renames,
                progress=lambda share, text: bar.progress(share, text=text),
            )
    except exchange.RenamesNotConfirmed as exc:
        bar.empty()
        _show_errors(exc.errors, lead=escaped(str(exc)))
        return
    except exchange.ImportRejected as exc:
        bar.empty()
        st.session_state.pop(PLAN_KEY, None)
        _show_errors(exc.errors)
        return
    except PermissionError as exc:
        bar.empty()
        st.error(str(exc))
        return
    feedback.done(IMPORT_AREA, escaped(result.message()), reset=[IMPORT_FORM], forget=[PLAN_KEY])


def render_import_export(user: UserInfo) -> None:
    """Downloads of template and export; upload → dry run with every error and every change →
    confirm (and confirm probable key mix-ups) → one transaction."""
    if not _admin_only(user):
        return
    feedback.show(IMPORT_AREA)
    st.subheader("Export und Vorlage")
    st.write(
        "Das Austauschformat ist eine Excel-Arbeitsmappe mit den Blättern Organisationseinheiten, "
        "Lotsen, Maßnahmen, IT-Personal und Förderprogramme – oder je Blatt eine CSV-Datei, die wie "
        "das Blatt heißt (z. B. Lotsen.csv; UTF-8 oder Windows-1252). Datumsangaben als TT.MM.JJJJ, "
        "Quartale als 2025-Q3. Kürzel sind Text: die Vorlage formatiert ihre Spalten so, dass „010“ "
        "nicht zu 10 wird; Zeilen, deren erste Zelle mit „Beispiel:“ beginnt, werden nicht importiert."
    )
    _downloads(user)

    st.subheader("Import")
    uploads = st.file_uploader(
        "Arbeitsmappe (.xlsx) oder CSV-Dateien hochladen",
        type=["xlsx", "csv"],
        accept_multiple_files=True,
        key=IMPORT_FORM.key("upload"),
        help="Höchstens 20 MB. Zuerst läuft ein Probelauf; geschrieben wird erst nach Ihrer Bestätigung.",
    )
    if not uploads:
        st.caption("Nach dem Hochladen zeigt ein Probelauf, was angelegt und geändert würde.")
        return
    plan = _plan_for([(upload.name, upload.getvalue()) for upload in uploads])
    if plan is None:
        return
    st.markdown("**Probelauf: das würde der Import ändern**")
    _static_table(
        plan.summary_frame(), alt="Probelauf: Zeilen, neue, geänderte und unveränderte Datensätze je Blatt"
    )
    _show_notices(plan)
    if plan.errors:
        _show_errors(plan.errors)
        return
    if not plan.changes:
        st.info("Die Dateien enthalten nichts Neues: alle Datensätze sind schon so gespeichert.")
        return
    if plan.mixups:
        _warn_mixups(plan)
    _show_changes(plan)
    accept_renames = _confirm_mixups() if plan.mixups else False
    records = (
        "1 Datensatz würde"
        if len(plan.changes) == 1
        else f"{fmt_number(len(plan.changes))} Datensätze würden"
    )
    st.success(
        f"Keine Fehler. {records} angelegt oder geändert – alles in einem Schritt, mit einem Eintrag im "
        "Audit-Log je Datensatz."
    )
    if st.button("Import ausführen", type="primary", key=IMPORT_FORM.key("apply")):
        _apply(user, plan, accept_renames=accept_renames)


# ---------------------------------------------------------------- Audit-Log


def _period(value: object, default: tuple[date, date]) -> tuple[date, date]:
    days = [day for day in (value if isinstance(value, tuple | list) else [value]) if isinstance(day, date)]
    if not days:
        return default
    return days[0], days[-1]


def render_audit_log(user: UserInfo) -> None:
    """Who changed what when: filters by user, object and period; old → new per field; export."""
    if not _admin_only(user):
        return
    options = cache.query(audit_log.audit_filter_options)
    today = clock.today()
    default = (today - timedelta(days=AUDIT_DAYS), today)
    left, middle, right = st.columns(3)
    actor = left.selectbox(
        "Benutzer",
        ["", *options.actors],
        format_func=lambda value: value or "alle",
        key="adm_audit_actor",
    )
    entity = middle.selectbox(
        "Objekt",
        ["", *options.entities],
        format_func=lambda value: options.entities.get(value, value) if value else "alle",
        key="adm_audit_entity",
    )
    start, end = _period(
        right.date_input("Zeitraum", value=default, format="DD.MM.YYYY", key="adm_audit_period"), default
    )
    log = cache.query(
        audit_log.audit_entries, actor=actor or None, entity=entity or None, start=start, end=end
    )
    shown = fmt_number(log.entries_shown)
    total = fmt_number(log.entries_total)
    st.caption(
        f"{shown} von {total} Einträgen, neueste zuerst; je geändertem Feld eine Zeile "
        "mit altem und neuem Wert."
    )
    if log.frame.empty:
        st.info("Im gewählten Zeitraum gibt es keine passenden Einträge.")
        return
    show_table(log.frame, name="Audit-Log", key="adm_audit_table")


# ---------------------------------------------------------------- Sicherung


def _backup_download(username: str) -> bytes:
    engine = get_engine()
    data = backup.backup_bytes(engine=engine)
    with write_session() as session:
        backup.record_backup(session=session, actor=username, target="Download (Verwaltung)")
    cache.clear_after_write()  # the audit log shows the backup at once
    return data


def _restore(user: UserInfo, name: str, content: bytes) -> None:
    with read_session() as session:
        require_admin(session=session, actor=user.username)
    engine = get_engine()
    with tempfile.TemporaryDirectory(prefix="lotsen-restore-") as directory:
        path = Path(directory) / "upload.db"
        path.write_bytes(content)
        with st.spinner("Aktueller Stand wird gesichert, dann wird die Sicherung eingespielt …"):
            result = backup.restore_from(engine=engine, path=path, actor=user.username, shown_name=name)
    _finish_write(
        f"Die Sicherung „{escaped(name)}“ wurde wiederhergestellt. "
        f"Der vorherige Stand liegt in {escaped(str(result.safety_copy))}."
    )


def render_backup(user: UserInfo) -> None:
    """Download a consistent backup; restore one after explicit confirmation (current state saved first)."""
    if not _admin_only(user):
        return
    _show_flash()
    try:
        backup.database_file(get_engine())
    except backup.BackupError as exc:
        st.info(str(exc))
        return
    st.subheader("Sicherung herunterladen")
    st.write(
        "Eine vollständige, in sich stimmige Kopie der Datenbank – auch während andere arbeiten. "
        "Sie wird vor dem Herunterladen mit integrity_check geprüft."
    )
    st.download_button(
        "Sicherung erstellen und herunterladen",
        data=lambda: _backup_download(user.username),
        file_name=backup.backup_file_name(),
        mime="application/vnd.sqlite3",
        key="adm_backup_download",
        on_click="ignore",
    )

    st.subheader("Sicherung wiederherstellen")
    st.warning(
        "Beim Wiederherstellen werden alle aktuellen Daten durch die Sicherung ersetzt. "
        "Der aktuelle Stand wird vorher automatisch gesichert."
    )
    upload = st.file_uploader(
        "Sicherungsdatei (.db)",
        type=["db", "sqlite", "sqlite3"],
        key=f"adm_restore_upload_{_round()}",
        help="Größere Sicherungen als das Hochladelimit spielt der Betrieb mit "
        "„python manage.py restore DATEI“ ein.",
    )
    confirmed = st.checkbox(
        "Ich habe verstanden, dass alle aktuellen Daten ersetzt werden.",
        key=f"adm_restore_confirm_{_round()}",
    )
    if not st.button("Sicherung wiederherstellen", key="adm_restore_apply"):
        return
    if upload is None:
        st.error("Bitte zuerst eine Sicherungsdatei hochladen.")
    elif not confirmed:
        st.error("Bitte zuerst bestätigen, dass alle aktuellen Daten ersetzt werden.")
    else:
        try:
            _restore(user, upload.name, upload.getvalue())
        except (backup.BackupError, PermissionError) as exc:
            st.error(escaped(str(exc)))
