"""A city that is not the demo city: "Stadt Kreuzfeld", organised as the KGSt suggests (Dezernate,
Ämter numbered by the KGSt scheme), imported from two CSV files as a CDO-Büro would import them.

Its trap for coverage: the Hauptamt (10) has three trained Lotsen for a Soll of one, the
Personalamt (11) next door has none. Dezernat I must read 1 of 2 Soll-Lotsen erfüllt, 1 fehlend,
2 über Soll, and 1 of 2 units covered, never "complete".
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from model.accounts.auth import create_user
from model.core.db import make_engine, read_session, write_session
from model.core.enums import Role
from model.core.tables import Pilot

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Fichtenweg-Lampe-Quitte-7"
ACCOUNTS = {"admin": "kf-cdo", "leitung": "kf-leitung", "lotse": "kf-lotse"}
LOTSE_EMAIL = "jana.berger@kreuzfeld.example"

UNITS_CSV = """Kürzel;Name;Art;Übergeordnet (Kürzel);Beschäftigte;Soll-Lotsen
Dez I;Dezernat I – Verwaltungsführung;Dezernat;;12;
10;Hauptamt;Amt;Dez I;64;
11;Personalamt;Amt;Dez I;38;
Dez II;Dezernat II – Finanzen und Ordnung;Dezernat;;8;
20;Kämmerei;Amt;Dez II;45;
32;Ordnungsamt;Amt;Dez II;70;
37;Feuerwehr;Amt;Dez II;180;2
Dez III;Dezernat III – Jugend und Soziales;Dezernat;;6;
50;Sozialamt;Amt;Dez III;90;
51;Jugendamt;Amt;Dez III;140;2
51.1;Kindertagesbetreuung;Abteilung;51;60;
Dez IV;Dezernat IV – Planen und Bauen;Dezernat;;5;
61;Stadtplanungsamt;Amt;Dez IV;40;
66;Tiefbauamt;Amt;Dez IV;75;
"""

PILOTS_CSV = f"""Name;E-Mail;Organisationseinheit (Kürzel);Stufe;Seit;Stunden pro Woche
{"Jana Berger"};{LOTSE_EMAIL};10;aktiv;01.09.2026;4
Murat Yıldız;murat.yildiz@kreuzfeld.example;10;qualifiziert;15.10.2026;2
Sophie Lange;sophie.lange@kreuzfeld.example;10;qualifiziert;15.10.2026;2
Tobias Reuter;tobias.reuter@kreuzfeld.example;20;aktiv;01.06.2026;3
Aylin Demir;aylin.demir@kreuzfeld.example;32;aktiv;01.07.2026;2
Lukas Brandt;lukas.brandt@kreuzfeld.example;37;qualifiziert;01.10.2026;2
Miriam Koch;miriam.koch@kreuzfeld.example;50;in Qualifizierung;01.11.2026;2
Daniel Wolff;daniel.wolff@kreuzfeld.example;51;aktiv;01.05.2026;3
Lea Schubert;lea.schubert@kreuzfeld.example;51;aktiv;01.05.2026;3
Ole Hansen;ole.hansen@kreuzfeld.example;51.1;nominiert;20.11.2026;2
Petra Vogel;petra.vogel@kreuzfeld.example;61;aktiv;01.04.2026;2
Jonas Engel;jonas.engel@kreuzfeld.example;61;pausiert;01.08.2026;0
"""

# What every surface must show (Soll by the default rule "1 per unit", Dezernate 0).
EXPECTED = {
    "units_with_target": 10,
    "units_covered": 5,  # 10, 20, 32, 51, 61
    "target_total": 12,
    "covered_total": 7,
    "missing_total": 5,  # 11, 37 (one of two), 50, 51.1, 66
}
EXPECTED_BRANCHES = {
    # Kürzel: units with Soll, covered, Soll, erfüllt, fehlend
    "Dez I": (2, 1, 2, 1, 1),
    "Dez II": (3, 2, 4, 3, 1),
    "Dez III": (3, 1, 4, 2, 2),
    "Dez IV": (2, 1, 2, 1, 1),
}
SURPLUS_DEZ_I = 2


def manage(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, "LOTSEN_DEMO": "0"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def build(database_url: str, folder: Path) -> None:
    """Migrate an empty database, import the two CSV files and create one account per role."""
    folder.mkdir(parents=True, exist_ok=True)
    units, pilots = folder / "Organisationseinheiten.csv", folder / "Lotsen.csv"
    units.write_text(UNITS_CSV, encoding="utf-8")
    pilots.write_text(PILOTS_CSV, encoding="utf-8")
    result = manage(database_url, "import", str(units), str(pilots))
    if result.returncode != 0:
        raise RuntimeError(f"import failed:\n{result.stdout}\n{result.stderr}")
    engine = make_engine(database_url)
    with read_session(engine) as session:
        from sqlmodel import select

        lotse_id = session.exec(select(Pilot.id).where(Pilot.email == LOTSE_EMAIL)).one()
    for role, username in ACCOUNTS.items():
        with write_session(engine) as session:
            create_user(
                session=session,
                username=username,
                display_name=f"Kreuzfeld {role}",
                role=Role(role),
                password=PASSWORD,
                pilot_id=lotse_id if role == "lotse" else None,
                actor="test",
            )
    engine.dispose()
