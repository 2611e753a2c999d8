"""Verwaltung: the tabs Import/Export, Audit-Log and Sicherung (pages/verwaltung.py calls them).

Each part checks the admin role itself (defence in depth) and clears the cache after writes.
"""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from model import exchange
from model.accounts.auth import UserInfo
from model.core import audit_log, backup, clock
from model.core.db import get_engine, read_session, write_session
from model.core.enums import Role
from model.core.german import fmt_number
from model.core.guard import require_admin
from model.core.settings import get_settings
from model.exchange import isolated
from ui import cache, feedback, streamlit_seam
from ui.feedback import FormRound
from ui.plain import escaped, escaped_cells
from ui.tables import download_buttons, show_table

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOAD_ROUND = "adm_exchange_round"  # a new round gives empty uploaders after a write
PLAN_KEY = "adm_exchange_plan"  # (digest of the uploaded files, DryRun or the refusal): small
UPLOAD_IDS_KEY = "adm_exchange_upload_ids"  # the uploaded files in Streamlit's store, to drop them
IMPORT_SHOWN_KEY = "adm_exchange_shown"  # set by a run that drew the import
IMPORT_AREA = "adm_import"
IMPORT_FORM = FormRound("adm_import")  # a new round after a write: empty uploader, checkbox unticked
FLASH_KEY = "adm_exchange_flash"
AUDIT_DAYS = 30


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


def _dry_run(files: list[tuple[str, bytes]], digest: str) -> exchange.DryRun | None:
    """The dry run of these files, kept (small: a DryRun or a refusal) while they stay uploaded.

    It runs in a child process (model.exchange.isolated): the other sessions keep their pace.
    """
    cached = st.session_state.get(PLAN_KEY)
    if cached is None or cached[0] != digest:
        try:
            with st.spinner("Probelauf läuft …"):
                outcome: exchange.DryRun | str = isolated.check_files(
                    database_url=get_settings().database_url, files=files, digest=digest
                )
        except exchange.UploadError as exc:
            outcome = str(exc)
        cached = (digest, outcome)
        st.session_state[PLAN_KEY] = cached
    if isinstance(cached[1], str):
        st.error(escaped(cached[1]))
        return None
    return cached[1]


def _keep_upload_ids(uploads: list[UploadedFile]) -> None:
    st.session_state[UPLOAD_IDS_KEY] = [upload.file_id for upload in uploads]
    st.session_state[IMPORT_SHOWN_KEY] = True


def drop_left_upload() -> None:
    """After a run that did not draw the import (the admin left it): the uploaded bytes go.

    Streamlit keeps an uploader's files for the whole session, also when the widget is gone.
    """
    if st.session_state.pop(IMPORT_SHOWN_KEY, False):
        return
    _drop_upload()


def _drop_upload() -> None:
    ids = st.session_state.pop(UPLOAD_IDS_KEY, None)
    st.session_state.pop(PLAN_KEY, None)
    if not ids:
        return
    streamlit_seam.forget_uploaded_files(ids)
    IMPORT_FORM.next()  # the uploader starts empty when the admin comes back


def _static_table(frame: pd.DataFrame, *, alt: str) -> None:
    """A plain HTML table (screen readers and browser search read it); text cells escaped."""
    st.table(escaped_cells(frame), hide_index=True, alt=alt)


def _show_errors(
    errors: list[exchange.RowError], error_count: int, *, lead: str | None = None, more: str = "Fehler"
) -> None:
    st.error(
        lead
        or f"{fmt_number(error_count)} Fehler gefunden – es wird nichts importiert. "
        "Bitte die Datei korrigieren und erneut hochladen."
    )
    frame = exchange.error_frame(errors)
    if error_count > len(errors):
        st.caption(
            f"Die ersten {fmt_number(len(errors))} von {fmt_number(error_count)} Fehlern (nach Blatt, "
            "Zeile und Spalte); die Downloads enthalten dieselben."
        )
    _static_table(frame, alt="Importfehler mit Blatt, Zeile, Spalte und Grund")
    if error_count > len(errors):
        st.caption(exchange.more_line(error_count - len(errors), more) + ".")
    download_buttons(frame, name="Importfehler", key="adm_exchange_errors")


def _show_notices(dry: exchange.DryRun) -> None:
    if not dry.notice_count:
        return
    st.warning(
        f"{fmt_number(dry.notice_count)} Hinweise: was der Import übergeht oder anders liest, als die "
        "Datei es zeigt. Bitte prüfen."
    )
    _static_table(dry.notice_frame(), alt="Hinweise zum Import mit Blatt, Zeilen, Spalte und Hinweis")
    if more := dry.more_notices():
        st.caption(more + ".")


def _show_changes(dry: exchange.DryRun) -> None:
    created = sum(s.created for s in dry.sheets)
    changed = sum(s.changed for s in dry.sheets)
    unchanged = sum(s.unchanged for s in dry.sheets)
    st.markdown("**Änderungen im Einzelnen**")
    st.caption(
        f"{fmt_number(created)} neu, {fmt_number(changed)} geändert (je geändertem Feld eine Zeile mit "
        f"bisherigem und neuem Wert), {fmt_number(unchanged)} unverändert."
    )
    show_table(
        dry.change_frame(),
        name="Importänderungen",
        key=IMPORT_FORM.key("changes"),
        column_config={
            "Zeile": st.column_config.NumberColumn(width="small"),
        },
    )
    if more := dry.more_changes():
        st.caption(
            f"Gezeigt werden die ersten {fmt_number(len(dry.changes))} Datensätze; {more[2:]} werden "
            "ebenso geschrieben."
        )


def _warn_mixups(dry: exchange.DryRun) -> None:
    """Probable key mix-ups first: each record with its old → new values."""
    mixups = dry.mixups
    lines = "\n".join(f"- {escaped(change.line())}" for change in mixups[: exchange.MAX_LISTED])
    more = (
        exchange.more_line(len(mixups) - exchange.MAX_LISTED, "") if len(mixups) > exchange.MAX_LISTED else ""
    )
    st.warning(
        f"**{fmt_number(len(mixups))} wahrscheinlich verwechselte Schlüssel:** bei "
        f"{'diesem Datensatz ändern' if len(mixups) == 1 else 'diesen Datensätzen ändern'} sich Name und "
        "Zuordnung zugleich – vermutlich ist ein anderer Datensatz gemeint (z. B. ein Kürzel „010“, das "
        "die Tabellenkalkulation als Zahl 10 gespeichert hat). Geschrieben wird das nur, wenn Sie unten "
        f"„Umbenennungen bestätigen“ ankreuzen.\n\n{lines}{more}"
    )


def _confirm_mixups() -> bool:
    return st.checkbox(
        "Umbenennungen bestätigen",
        key=IMPORT_FORM.key("accept_renames"),
        help="Nur ankreuzen, wenn diese Datensätze wirklich so umbenannt und verschoben werden sollen.",
    )


def _apply(
    user: UserInfo, files: list[tuple[str, bytes]], dry: exchange.DryRun, *, accept_renames: bool
) -> None:
    """Read the same files again and write them in one transaction of a child process."""
    bar = st.progress(0.0, text="Import läuft …")
    try:
        result = isolated.write_files(
            database_url=get_settings().database_url,
            files=files,
            digest=dry.digest,
            actor=user.username,
            confirmed_renames=exchange.renames_of(dry.mixups) if accept_renames else frozenset(),
            progress=lambda share, text: bar.progress(share, text=text),
        )
    except exchange.RenamesNotConfirmed as exc:
        bar.empty()
        _show_errors(exc.errors, exc.error_count, lead=escaped(str(exc)), more="Datensätze")
        return
    except exchange.ImportRejected as exc:
        bar.empty()
        st.session_state.pop(PLAN_KEY, None)
        _show_errors(exc.errors, exc.error_count)
        return
    except (PermissionError, exchange.UploadError) as exc:
        bar.empty()
        st.error(escaped(str(exc)))
        return
    _drop_upload()
    feedback.done(IMPORT_AREA, escaped(result.message()), reset=[IMPORT_FORM], forget=[PLAN_KEY])


def render_import_export(user: UserInfo) -> None:
    """Downloads of template and export; upload → dry run with the first errors and changes →
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
    limit = fmt_number(get_settings().import_max_rows)
    uploads = st.file_uploader(
        "Arbeitsmappe (.xlsx) oder CSV-Dateien hochladen",
        type=["xlsx", "csv"],
        accept_multiple_files=True,
        key=IMPORT_FORM.key("upload"),
        help=f"Höchstens 20 MB und {limit} Zeilen je Blatt. Zuerst läuft ein Probelauf; geschrieben wird "
        "erst nach Ihrer Bestätigung.",
    )
    if not uploads:
        st.session_state[IMPORT_SHOWN_KEY] = True
        st.session_state.pop(UPLOAD_IDS_KEY, None)  # removed in the browser: gone from the store too
        st.session_state.pop(PLAN_KEY, None)
        st.caption("Nach dem Hochladen zeigt ein Probelauf, was angelegt und geändert würde.")
        return
    _keep_upload_ids(uploads)
    files = [(upload.name, upload.getvalue()) for upload in uploads]
    dry = _dry_run(files, isolated.digest_of(files))
    if dry is None:
        return
    st.markdown("**Probelauf: das würde der Import ändern**")
    _static_table(
        dry.summary_frame(), alt="Probelauf: Zeilen, neue, geänderte und unveränderte Datensätze je Blatt"
    )
    _show_notices(dry)
    if not dry.ok:
        _show_errors(dry.errors, dry.error_count)
        return
    if not dry.change_count:
        st.info("Die Dateien enthalten nichts Neues: alle Datensätze sind schon so gespeichert.")
        return
    if dry.mixups:
        _warn_mixups(dry)
    _show_changes(dry)
    accept_renames = _confirm_mixups() if dry.mixups else False
    records = (
        "1 Datensatz würde" if dry.change_count == 1 else f"{fmt_number(dry.change_count)} Datensätze würden"
    )
    st.success(
        f"Keine Fehler. {records} angelegt oder geändert – alles in einem Schritt, mit einem Eintrag im "
        "Audit-Log je Datensatz."
    )
    if st.button("Import ausführen", type="primary", key=IMPORT_FORM.key("apply")):
        _apply(user, files, dry, accept_renames=accept_renames)


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
