"""Word lists and templates of the fictional demo city: the German texts of the demo data."""

from __future__ import annotations

from model.core.enums import (
    ActivityType,
    Category,
    Donor,
    ItTaskArea,
    ModuleKind,
    PhaseStatus,
    PilotStage,
    UnitKind,
)

CITY = "Stadt Lotsenhausen"
CITY_DOMAIN = "lotsenhausen.example"

_DEZ, _STAB, _AMT, _ABT, _EB = (
    UnitKind.DEZERNAT,
    UnitKind.STABSSTELLE,
    UnitKind.AMT,
    UnitKind.ABTEILUNG,
    UnitKind.EIGENBETRIEB,
)
# The hand-written core of Stadt Lotsenhausen: code, name, kind, parent code, headcount, Soll, active.
# fmt: off
BASE_UNITS: tuple[tuple[str, str, UnitKind, str | None, int, int | None, bool], ...] = (
    ("Dez I", "Dezernat I – Oberbürgermeister, Allgemeine Verwaltung", _DEZ, None, 9, None, True),
    ("CDO", "Stabsstelle Digitalisierung (CDO)", _STAB, "Dez I", 6, None, True),
    ("10", "Hauptamt", _AMT, "Dez I", 86, None, True),
    ("10.4", "Hauptamt – Informationstechnik", _ABT, "10", 27, None, True),
    ("11", "Personalamt", _AMT, "Dez I", 44, None, True),
    ("12", "Amt für Statistik und Wahlen", _AMT, "Dez I", 0, None, False),
    ("Dez II", "Dezernat II – Finanzen, Sicherheit und Ordnung", _DEZ, None, 6, None, True),
    ("20", "Kämmerei", _AMT, "Dez II", 58, None, True),
    ("32", "Ordnungsamt", _AMT, "Dez II", 74, None, True),
    ("33", "Bürgeramt", _AMT, "Dez II", 47, None, True),
    ("37", "Feuerwehr", _AMT, "Dez II", 212, 2, True),
    ("Dez III", "Dezernat III – Bildung, Jugend, Soziales und Gesundheit", _DEZ, None, 7, None, True),
    ("40", "Schulamt", _AMT, "Dez III", 38, None, True),
    ("50", "Sozialamt", _AMT, "Dez III", 96, None, True),
    ("51", "Jugendamt", _AMT, "Dez III", 183, 3, True),
    ("51.1", "Jugendamt – Soziale Dienste", _ABT, "51", 64, None, True),
    ("51.2", "Jugendamt – Kindertagesbetreuung", _ABT, "51", 71, None, True),
    ("51.3", "Jugendamt – Elterngeldstelle", _ABT, "51", 0, None, False),
    ("53", "Gesundheitsamt", _AMT, "Dez III", 55, None, True),
    ("Dez IV", "Dezernat IV – Planen, Bauen und Umwelt", _DEZ, None, 6, None, True),
    ("61", "Stadtplanungsamt", _AMT, "Dez IV", 41, None, True),
    ("63", "Bauordnungsamt", _AMT, "Dez IV", 36, None, True),
    ("66", "Tiefbauamt", _AMT, "Dez IV", 68, None, True),
    ("67", "Grünflächenamt", _AMT, "Dez IV", 113, None, True),
    ("Dez V", "Dezernat V – Kultur, Sport und Stadtbetriebe", _DEZ, None, 5, None, True),
    ("41", "Kulturamt", _AMT, "Dez V", 33, None, True),
    ("EB ASL", "Eigenbetrieb Abfallwirtschaft und Stadtreinigung", _EB, "Dez V", 167, 1, True),
)
# fmt: on
IT_UNIT_CODE = "10.4"
LOTSE_ACCOUNT_UNIT = "33"  # the demo account "lotse" is the first Lotse of the Bürgeramt
SUPPORT_CASE_UNIT = "51"  # its first Lotse has the open request for support

DEZERNAT_THEMES = (
    "Oberbürgermeister, Allgemeine Verwaltung",
    "Finanzen, Sicherheit und Ordnung",
    "Bildung, Jugend, Soziales und Gesundheit",
    "Planen, Bauen und Umwelt",
    "Kultur, Sport und Stadtbetriebe",
    "Recht und öffentliche Sicherheit",
    "Jugend, Familie und Gesundheit",
    "Umwelt, Klima und Mobilität",
    "Wirtschaft, Liegenschaften und Beteiligungen",
    "Schule und Sport",
    "Wohnen und Stadtentwicklung",
    "Bürgerservice und Verbraucherschutz",
)
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")

# KGSt-style Ämter: number, name, Dezernat theme, fallback theme (0–4), size class.
AMT_CATALOGUE: tuple[tuple[str, str, int, int, str], ...] = (
    ("10", "Hauptamt", 0, 0, "m"),
    ("11", "Personalamt", 0, 0, "m"),
    ("12", "Amt für Statistik und Wahlen", 0, 0, "s"),
    ("13", "Presse- und Informationsamt", 0, 0, "s"),
    ("14", "Rechnungsprüfungsamt", 0, 0, "s"),
    ("15", "Amt für Gleichstellung und Vielfalt", 0, 0, "s"),
    ("20", "Kämmerei", 1, 1, "m"),
    ("21", "Stadtkasse", 8, 1, "s"),
    ("22", "Steueramt", 8, 1, "m"),
    ("23", "Amt für Liegenschaften", 8, 1, "m"),
    ("24", "Amt für Beteiligungen", 8, 1, "s"),
    ("30", "Rechtsamt", 5, 1, "s"),
    ("32", "Ordnungsamt", 5, 1, "m"),
    ("33", "Bürgeramt", 11, 1, "m"),
    ("34", "Standesamt", 11, 1, "s"),
    ("35", "Amt für Verbraucherschutz", 11, 1, "s"),
    ("36", "Straßenverkehrsamt", 5, 1, "m"),
    ("37", "Feuerwehr", 5, 1, "l"),
    ("38", "Amt für Bevölkerungsschutz", 5, 1, "s"),
    ("39", "Veterinär- und Lebensmittelüberwachungsamt", 11, 1, "s"),
    ("40", "Schulamt", 9, 2, "m"),
    ("41", "Kulturamt", 4, 4, "m"),
    ("42", "Stadtbibliothek", 4, 4, "m"),
    ("43", "Volkshochschule", 9, 4, "m"),
    ("44", "Musikschule", 4, 4, "m"),
    ("45", "Museen der Stadt", 4, 4, "s"),
    ("46", "Stadttheater", 4, 4, "l"),
    ("47", "Stadtarchiv", 4, 4, "s"),
    ("50", "Sozialamt", 6, 2, "l"),
    ("51", "Jugendamt", 6, 2, "l"),
    ("52", "Sportamt", 9, 4, "s"),
    ("53", "Gesundheitsamt", 6, 2, "m"),
    ("54", "Amt für Senioren und Pflege", 6, 2, "m"),
    ("55", "Amt für Integration und Migration", 6, 2, "m"),
    ("60", "Bauverwaltungsamt", 3, 3, "s"),
    ("61", "Stadtplanungsamt", 10, 3, "m"),
    ("62", "Vermessungs- und Katasteramt", 3, 3, "m"),
    ("63", "Bauordnungsamt", 3, 3, "m"),
    ("64", "Amt für Wohnungswesen", 10, 3, "m"),
    ("65", "Hochbauamt", 3, 3, "m"),
    ("66", "Tiefbauamt", 7, 3, "l"),
    ("67", "Grünflächenamt", 7, 3, "l"),
    ("68", "Amt für Mobilität und Verkehrsplanung", 7, 3, "m"),
    ("69", "Umweltamt", 7, 3, "m"),
    ("72", "Marktamt", 8, 4, "s"),
    ("73", "Bäderamt", 9, 4, "m"),
    ("75", "Friedhofsamt", 4, 4, "s"),
    ("80", "Amt für Wirtschaftsförderung", 8, 0, "s"),
    ("81", "Amt für Stadtmarketing und Tourismus", 8, 4, "s"),
    ("82", "Forstamt", 7, 3, "s"),
    ("85", "Amt für Klimaschutz", 7, 3, "s"),
)
HEADCOUNT_BY_SIZE = {"s": (30, 90), "m": (60, 220), "l": (180, 600)}

# Abteilungen: topics per Amt number, in the order their numbers (51.1, 51.2, …) are given out.
AMT_TOPICS: dict[str, tuple[str, ...]] = {
    "10": ("Organisation", "Zentrale Dienste", "Ratsbüro", "Informationstechnik", "Vergabestelle"),
    "11": ("Personalservice", "Personalentwicklung", "Ausbildung", "Entgelt und Besoldung"),
    "20": ("Haushalt", "Finanzbuchhaltung", "Controlling", "Steuern und Abgaben"),
    "32": ("Allgemeine Ordnung", "Gewerbe", "Kommunaler Ordnungsdienst", "Ausländerbehörde"),
    "33": ("Bürgerbüro Mitte", "Bürgerbüro Nord", "Bürgerbüro Süd", "Meldewesen", "Wahlen"),
    "37": ("Einsatz", "Vorbeugender Brandschutz", "Rettungsdienst", "Technik und Logistik", "Leitstelle"),
    "40": ("Schulverwaltung", "Schulentwicklungsplanung", "Schul-IT", "Offene Ganztagsschule"),
    "50": ("Grundsicherung", "Hilfe zur Pflege", "Wohngeld", "Eingliederungshilfe", "Unterbringung"),
    "51": (
        "Soziale Dienste",
        "Kindertagesbetreuung",
        "Elterngeldstelle",
        "Wirtschaftliche Jugendhilfe",
        "Jugendförderung",
        "Beistandschaften und Vormundschaften",
    ),
    "53": ("Infektionsschutz", "Amtsärztlicher Dienst", "Kinder- und Jugendgesundheit", "Umwelthygiene"),
    "61": ("Stadtentwicklung", "Bauleitplanung", "Stadterneuerung", "Geodaten"),
    "63": ("Baugenehmigungen Nord", "Baugenehmigungen Süd", "Bauaufsicht", "Denkmalschutz"),
    "66": ("Straßenbau", "Brückenbau", "Straßenbeleuchtung", "Stadtentwässerung", "Verkehrstechnik"),
    "67": ("Grünplanung", "Grünunterhaltung", "Baumschutz", "Spielplätze"),
}
GENERIC_TOPICS = (
    "Verwaltung und Service",
    "Grundsatz und Steuerung",
    "Fachaufgaben",
    "Bezirk Nord",
    "Bezirk Süd",
    "Bezirk Ost",
    "Bezirk West",
    "Bezirk Mitte",
    "Projekte und Entwicklung",
    "Qualitätssicherung",
    "Widerspruchsstelle",
    "Außenstelle",
)

# Smaller Kommunen are organised in Fachbereiche (FB 1 …) with Fachdienste below.
FB_THEMES = (
    "Zentrale Dienste und Digitalisierung",
    "Finanzen",
    "Bürgerservice, Sicherheit und Ordnung",
    "Bildung, Jugend und Soziales",
    "Planen, Bauen und Umwelt",
    "Kultur, Sport und Freizeit",
)
FB_TOPICS = (
    ("IT und Digitalisierung", "Personal", "Organisation", "Ratsbüro"),
    ("Haushalt", "Kasse", "Steuern", "Liegenschaften"),
    ("Bürgerbüro", "Ordnung und Gewerbe", "Standesamt", "Feuerwehr"),
    ("Schulen", "Kindertagesstätten", "Soziales", "Jugendarbeit"),
    ("Bauverwaltung", "Planung", "Tiefbau", "Bauhof", "Umwelt"),
    ("Bibliothek", "Sport", "Kultur", "Tourismus"),
)

# Fictional towns of the Land-wide programme: stems and endings with their code letters.
TOWN_STEMS = (
    ("Birken", "BI"), ("Linden", "LI"), ("Eichen", "EI"), ("Buchen", "BU"), ("Erlen", "ER"),
    ("Tannen", "TA"), ("Wiesen", "WI"), ("Rosen", "RO"), ("Falken", "FA"), ("Adler", "AD"),
    ("Hirsch", "HI"), ("Wolfs", "WO"), ("Bären", "BA"), ("Mühl", "MU"), ("Stein", "ST"),
    ("Sonnen", "SO"), ("Kirch", "KI"), ("Brunn", "BR"), ("Fisch", "FI"), ("Wald", "WA"),
)  # fmt: skip
TOWN_ENDINGS = (
    ("feld", "FE"), ("hausen", "HA"), ("heim", "HE"), ("dorf", "DO"), ("burg", "BU"),
    ("bach", "BA"), ("berg", "BE"), ("au", "AU"), ("stadt", "ST"), ("tal", "TA"),
)  # fmt: skip

FIRST_NAMES = (
    "Anna", "Andreas", "Angelika", "Alexander", "Birgit", "Bernd", "Claudia", "Christian", "Daniela",
    "Daniel", "Elke", "Dirk", "Eva", "Florian", "Franziska", "Frank", "Gabriele", "Jan", "Heike",
    "Jens", "Ines", "Jörg", "Julia", "Jürgen", "Katrin", "Kai", "Kerstin", "Klaus", "Laura", "Lars",
    "Lena", "Lukas", "Maria", "Markus", "Martina", "Matthias", "Melanie", "Michael", "Monika",
    "Niklas", "Nicole", "Oliver", "Petra", "Patrick", "Sabine", "Peter", "Sandra", "Ralf", "Silke",
    "Sebastian", "Simone", "Stefan", "Stefanie", "Sven", "Susanne", "Thomas", "Tanja", "Tobias",
    "Ulrike", "Uwe", "Ute", "Volker", "Yvonne", "Wolfgang", "Svenja", "Felix", "Lea", "Jonas",
    "Sophie", "Leon", "Hannah", "Paul", "Marie", "Tim", "Lisa", "Moritz", "Johanna", "Benedikt",
    "Carina", "David", "Derya", "Emre", "Fatma", "Mehmet", "Aylin", "Ioannis", "Natalia", "Piotr",
    "Agnieszka", "Marco", "Elena", "Hans-Peter", "Karl-Heinz", "Anne-Kathrin", "Hendrik", "Mareike",
    "Sönke", "Wiebke", "Jannik", "Merle", "Till", "Greta",
)  # fmt: skip
LAST_NAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
    "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
    "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner",
    "Schmitz", "Krause", "Meier", "Lehmann", "Schmid", "Schulze", "Maier", "Köhler", "Herrmann",
    "König", "Walter", "Mayer", "Huber", "Kaiser", "Fuchs", "Peters", "Lang", "Scholz", "Möller",
    "Weiß", "Jung", "Hahn", "Schubert", "Vogel", "Friedrich", "Keller", "Günther", "Frank", "Berger",
    "Winkler", "Roth", "Beck", "Lorenz", "Baumann", "Franke", "Albrecht", "Schuster", "Simon",
    "Ludwig", "Böhm", "Winter", "Kraus", "Martin", "Schumacher", "Krämer", "Vogt", "Stein", "Jäger",
    "Otto", "Sommer", "Groß", "Seidel", "Heinrich", "Brandt", "Haas", "Schreiber", "Graf",
    "Schulte", "Dietrich", "Ziegler", "Kuhn", "Kühn", "Pohl", "Engel", "Horn", "Busch", "Bergmann",
    "Thomas", "Voigt", "Sauer", "Arnold", "Wolff", "Pfeiffer", "Yılmaz", "Kaya", "Demir", "Nowak",
    "Kowalski", "Papadopoulos", "Rossi", "Ivanova", "Janssen", "Hansen", "Petersen", "Brinkmann",
    "Kemper", "Terhorst", "Albers", "Tiedemann", "Overbeck", "Hölscher",
)  # fmt: skip

STAGE_REASONS: dict[PilotStage, tuple[str, ...]] = {
    PilotStage.NOMINATED: ("Nominierung durch die Amtsleitung", "Interessenbekundung eingereicht"),
    PilotStage.SELECTED: ("Auswahl im Interessenbekundungsverfahren", "Auswahlgespräch geführt"),
    PilotStage.IN_TRAINING: ("Anmeldung zur Basisqualifizierung",),
    PilotStage.QUALIFIED: ("Basisqualifizierung abgeschlossen",),
    PilotStage.ACTIVE: ("Einsatz im Amt gestartet", "Rolle in der Amtsleitung vorgestellt"),
    PilotStage.PAUSED: ("Pause auf eigenen Wunsch", "Vorübergehend hohe Arbeitsbelastung im Amt"),
    PilotStage.LEFT: ("Wechsel in eine andere Dienststelle", "Rolle abgegeben", "Ausscheiden aus dem Dienst"),
}
EARLY_REASON = "Übernahme aus der Rolle IT-Koordination"  # pilots nominated before the concept was done

UPDATE_TEXTS = (
    "Kolleg*innen zum Thema „{topic}“ beraten.",
    "Workshop „{topic}“ vorbereitet und mit {n} Teilnehmenden durchgeführt.",
    "„{topic}“: Anforderungen mit der Fachabteilung abgestimmt.",
    "Pilotbetrieb „{topic}“ begleitet, erste Rückmeldungen gesammelt.",
    "Wissenstransfer im Teammeeting: „{topic}“.",
    "Ideen zu „{topic}“ gesammelt und an das CDO-Büro gemeldet.",
    "Prozessaufnahme „{topic}“ mit {n} Kolleg*innen begonnen.",
    "Schulungsunterlagen zu „{topic}“ aktualisiert.",
    "Austauschtreffen der Lotsinnen und Lotsen besucht, Schwerpunkt „{topic}“.",
    "Testfälle für „{topic}“ durchgespielt, {n} Fehler an die IT gemeldet.",
    "Digitale Sprechstunde im Amt angeboten ({n} Anfragen).",
    "Amtsleitung über den Stand „{topic}“ informiert.",
    "Fragen zu „{topic}“ gesammelt und mit der IT geklärt.",
    "Kurzanleitung „{topic}“ erstellt und im Intranet veröffentlicht.",
    "Laufende Begleitung „{topic}“, keine besonderen Vorkommnisse.",
    "Rückmeldungen der Kolleg*innen zu „{topic}“ ausgewertet.",
)
UPDATE_TOPICS = (
    "E-Akte", "Digitaler Rechnungseingang", "Online-Terminvergabe", "Videokonferenzen",
    "Elektronische Signatur", "Wohngeld online", "Ratsinformationssystem", "Scannen im Posteingang",
    "Kollaborationsplattform", "Formularserver", "Servicekonto", "Digitale Personalakte",
    "Bauantrag online", "E-Payment", "Mängelmelder", "Prozessmodellierung", "Datenschutz im Alltag",
    "KI-Assistenz für Texte", "Intranet-Relaunch", "Mobiles Arbeiten", "Fachverfahren-Update",
    "Kita-Portal", "Schul-WLAN", "Digitale Ablage", "Barrierefreie Dokumente",
)  # fmt: skip
SUPPORT_BLOCKER = "Keine Freistellung für die Basisqualifizierung"
SUPPORT_TEXT = "Anmeldung zur Kohorte 2 liegt vor; die Freistellung durch die Amtsleitung fehlt noch."
BLOCKERS = (
    SUPPORT_BLOCKER,
    "Zu wenig Zeit neben dem Tagesgeschäft",
    "Fachverfahren bietet keine Schnittstelle",
    "Fehlende Hardware (Scanner, Headsets)",
    "Amtsleitung priorisiert andere Themen",
    "Lizenz für das Prozessmodellierungs-Werkzeug fehlt",
    "Unklare Zuständigkeit zwischen IT und Fachamt",
    "Datenschutzrechtliche Freigabe steht aus",
    "WLAN in der Außenstelle instabil",
)
ACTIVITY_WEIGHTS = {
    ActivityType.ADVICE: 35,
    ActivityType.KNOWLEDGE_TRANSFER: 20,
    ActivityType.WORKSHOP: 15,
    ActivityType.PILOT_TEST: 15,
    ActivityType.IDEA: 15,
}

# Programme phases: name, status, start and end in days from today, status note.
PHASES = (
    ("Konzept", PhaseStatus.DONE, -395, -245, None),
    ("Auswahl", PhaseStatus.DONE, -245, -140, None),
    ("Qualifizierung", PhaseStatus.DELAYED, -135, 60, "Kohorte 2 wegen Trainerausfall verschoben"),
    ("Betrieb", PhaseStatus.PLANNED, 90, 455, None),
)
# Milestones per phase: title, due and done in days from today (done None = still open).
MILESTONES = {
    "Konzept": (
        ("Projektauftrag erteilt", -385, -386),
        ("Rollenprofil beschlossen", -270, -262),
        ("Konzept im Hauptausschuss vorgestellt", -250, -248),
    ),
    "Auswahl": (
        ("Interessenbekundungsverfahren gestartet", -230, -228),
        ("Interessenbekundungsverfahren abgeschlossen", -175, -168),
        ("Lotsinnen und Lotsen benannt", -150, -146),
    ),
    "Qualifizierung": (
        ("Basisqualifizierung Kohorte 1", -90, -88),
        ("Kohorte 2 abgeschlossen", -14, None),
        ("Aufbaumodule ausgeschrieben", 20, None),
        ("Austauschformat etabliert", 45, None),
    ),
    "Betrieb": (
        ("Regelbetrieb gestartet", 90, None),
        ("Evaluation des Lotsenprogramms", 300, None),
        ("Jahresbericht an den Hauptausschuss", 400, None),
    ),
}
# Gate decisions: phase, body, days from today, paper prefix and number (None: no paper), summary.
GATES = (
    ("Konzept", "Verwaltungsvorstand", -387, None, "Projektauftrag „Digitale Lotsinnen und Lotsen“ erteilt"),
    (
        "Konzept",
        "Hauptausschuss",
        -248,
        ("DezI", 635),
        "Konzept als Informationsvorlage zur Kenntnis genommen",
    ),
    ("Auswahl", "Personalrat", -200, None, "Dienstvereinbarung zur Erfassung von Aktivitäten zugestimmt"),
    ("Auswahl", "Verwaltungsvorstand", -145, ("DezI", 702), "Benennung der Lotsinnen und Lotsen bestätigt"),
)

# Training modules in their order: name, kind, duration in days.
MODULES = (
    ("Basisqualifizierung Digitale Lotsen", ModuleKind.BASE, 3.0),
    ("Prozessmanagement & BPMN", ModuleKind.ADVANCED, 2.0),
    ("OZG und Onlineservices", ModuleKind.ADVANCED, 1.0),
    ("Agiles Arbeiten", ModuleKind.ADVANCED, 1.0),
    ("Datenschutz & Informationssicherheit", ModuleKind.ADVANCED, 1.0),
    ("Change-Kommunikation", ModuleKind.ADVANCED, 1.5),
)

FUNDING_PROGRAMMES: tuple[tuple[str, Donor, tuple[Category, ...]], ...] = (
    ("Digitalisierung kommunaler Verwaltungen (Land)", Donor.LAND, (Category.INTERNAL, Category.EGOV_OZG)),
    ("EFRE Smart City", Donor.EU, (Category.INFRASTRUCTURE, Category.FUNDING)),
    ("DigitalPakt Schule", Donor.BUND, (Category.SCHOOLS,)),
    ("Gigabitförderung Bund", Donor.BUND, (Category.INFRASTRUCTURE,)),
    ("Modellprojekte Smart Cities", Donor.BUND, (Category.FUNDING, Category.INTERMUNICIPAL)),
    ("OZG-Umsetzungsprogramm des Landes", Donor.LAND, (Category.EGOV_OZG,)),
    ("Interreg Europe – Digitale Verwaltung", Donor.EU, (Category.INTERMUNICIPAL,)),
    ("Förderaufruf Interkommunale Zusammenarbeit (Land)", Donor.LAND, (Category.INTERMUNICIPAL,)),
    ("Digital Europe Programme – Public Services", Donor.EU, (Category.EGOV_OZG, Category.IT_GOVERNANCE)),
    ("Mobilfunkförderung des Landes", Donor.LAND, (Category.INFRASTRUCTURE,)),
    ("Stiftungsprogramm Digitale Lernorte", Donor.OTHER, (Category.SCHOOLS, Category.ORGANISATION)),
    ("Zukunftsfonds Digitale Kompetenz (Land)", Donor.LAND, (Category.ORGANISATION,)),
)

CATEGORY_WEIGHTS = {
    Category.INTERNAL: 20,
    Category.EGOV_OZG: 25,
    Category.INFRASTRUCTURE: 10,
    Category.SCHOOLS: 9,
    Category.INTERMUNICIPAL: 7,
    Category.FUNDING: 8,
    Category.ORGANISATION: 12,
    Category.IT_GOVERNANCE: 9,
}
# Roadmap measures per category: title and the Amt (Kürzel without Kommune prefix) that owns it.
MEASURE_TITLES: dict[Category, tuple[tuple[str, str], ...]] = {
    Category.INTERNAL: (
        ("Einführung der E-Akte", "10"),
        ("Digitaler Rechnungseingang (XRechnung)", "20"),
        ("Digitale Personalakte", "11"),
        ("Elektronisches Bewerbermanagement", "11"),
        ("Digitale Sitzungsvorbereitung im Ratsinformationssystem", "10"),
        ("Prozessaufnahme Bauantragsverfahren", "63"),
        ("Digitale Fallakte im Allgemeinen Sozialen Dienst", "51"),
        ("Elektronische Dienstreiseabrechnung", "11"),
        ("Digitale Einsatzdokumentation", "37"),
        ("Mobile Datenerfassung Baumkataster", "67"),
        ("E-Vergabe für alle Ausschreibungen", "20"),
        ("Scan-Strategie Posteingang", "10"),
    ),
    Category.EGOV_OZG: (
        ("Online-Terminvergabe Bürgeramt", "33"),
        ("Anbindung an das Servicekonto (BundID)", "10.4"),
        ("Online-Bezahlverfahren (E-Payment)", "20"),
        ("Mängelmelder-App", "66"),
    ),
    Category.INFRASTRUCTURE: (
        ("Glasfaseranbindung aller Verwaltungsstandorte", "10.4"),
        ("WLAN in öffentlichen Gebäuden", "10.4"),
        ("Breitbandausbau Gewerbegebiet Nord", "66"),
        ("Virtualisierung des Rechenzentrums", "10.4"),
        ("Mobilfunkversorgung im Außenbereich", "61"),
        ("Sensorik für das Parkraummanagement", "32"),
        ("Digitalfunk für die Feuerwehr", "37"),
        ("Umstellung auf IP-Telefonie", "10.4"),
    ),
    Category.SCHOOLS: (
        ("Medienentwicklungsplan Schulen", "40"),
        ("Endgeräte für Lehrkräfte", "40"),
        ("WLAN-Ausleuchtung der Grundschulen", "40"),
        ("Zentraler Schul-IT-Support", "40"),
        ("Lernplattform für alle Schulen", "40"),
        ("Digitale Schulanmeldung", "40"),
    ),
    Category.INTERMUNICIPAL: (
        ("Gemeinsames Rechenzentrum mit dem Kreis", "10.4"),
        ("Interkommunale Vergabestelle", "20"),
        ("Nachnutzung von EfA-Diensten der Nachbarkommunen", "CDO"),
        ("Gemeinsame Leitstelle für Feuerwehr und Rettungsdienst", "37"),
        ("Geodatenkooperation mit den Nachbarkommunen", "61"),
        ("Gemeinsame Entgeltabrechnung", "11"),
    ),
    Category.FUNDING: (
        ("Fördermittelmonitoring aufbauen", "20"),
        ("Antrag Smart-City-Förderung", "CDO"),
        ("Förderantrag Gigabitausbau", "66"),
        ("Mittelabruf DigitalPakt Schule", "40"),
        ("Förderdatenbank für die Ämter", "CDO"),
    ),
    Category.ORGANISATION: (
        ("Lotsen-Netzwerk mit monatlichem Austausch", "CDO"),
        ("Digitalkompetenz für Führungskräfte", "11"),
        ("Digitales Ideenmanagement", "CDO"),
        ("Dienstvereinbarung Mobiles Arbeiten", "11"),
        ("Change-Kommunikation im Intranet", "10"),
        ("Innovationslabor der Verwaltung", "CDO"),
        ("Digitales Onboarding neuer Beschäftigter", "11"),
    ),
    Category.IT_GOVERNANCE: (
        ("IT-Strategie 2030", "CDO"),
        ("IT-Portfolio- und Anforderungsmanagement", "10.4"),
        ("Anwenderbetreuung bündeln (Doppelstrukturen abbauen)", "10.4"),
        ("Informationssicherheit nach BSI-Grundschutz", "10.4"),
        ("Architekturboard und IT-Standards", "CDO"),
        ("Fachverfahrenskataster", "10.4"),
    ),
}
# OZG services a municipality offers, with the Amt in charge (IDs of data/ozg-leistungen.csv).
MUNICIPAL_OZG: dict[str, str] = {
    "10092": "50",
    "10173": "32",
    "10559": "33",
    "10119": "33",
    "10019": "51",
    "10519": "63",
    "10348": "66",
    "10294": "32",
    "10145": "33",
    "10110": "EB ASL",
    "10042": "40",
    "10084": "50",
    "10026": "33",
    "10117": "20",
    "10160": "32",
    "10244": "32",
    "10018": "51",
    "10023": "41",
}
# Further OZG services by Themenfeld, with the Amt usually in charge (federal-only fields left out).
OZG_TOPIC_OWNERS: dict[str, str] = {
    "Familie & Kind": "51",
    "Bauen & Wohnen": "63",
    "Mobilität & Reisen": "36",
    "Engagement & Hobby": "32",
    "Recht & Ordnung": "32",
    "Querschnitt": "33",
    "Arbeit & Ruhestand": "50",
    "Gesundheit": "53",
    "Umwelt": "69",
    "Bildung": "40",
    "Ein- & Auswanderung": "32",
}
CATEGORY_AIMS: dict[Category, tuple[str, ...]] = {
    Category.INTERNAL: (
        "Ziel ist ein medienbruchfreier Ablauf vom Eingang bis zur Ablage.",
        "Papierakten und Doppelerfassungen entfallen schrittweise.",
    ),
    Category.EGOV_OZG: (
        "Bürger*innen und Unternehmen erledigen das Anliegen online, ohne Termin vor Ort.",
        "Die Anträge kommen strukturiert im Fachverfahren an.",
    ),
    Category.INFRASTRUCTURE: (
        "Grundlage für stabile Fachverfahren und mobiles Arbeiten.",
        "Die Standorte erhalten eine zukunftsfähige Anbindung.",
    ),
    Category.SCHOOLS: (
        "Umsetzung gemeinsam mit den Schulleitungen nach dem Medienentwicklungsplan.",
        "Lehrkräfte und Schüler*innen erhalten verlässliche digitale Werkzeuge.",
    ),
    Category.INTERMUNICIPAL: (
        "Was eine Kommune allein nicht wirtschaftlich leisten kann, wird gemeinsam betrieben.",
        "Kooperationsvereinbarung mit den Nachbarkommunen in Vorbereitung.",
    ),
    Category.FUNDING: (
        "Fördermöglichkeiten werden systematisch erfasst und Fristen überwacht.",
        "Eigenanteile werden im Haushalt frühzeitig eingeplant.",
    ),
    Category.ORGANISATION: (
        "Beschäftigte werden mitgenommen; die Lotsinnen und Lotsen wirken als Multiplikator*innen.",
        "Fördert eine offene Haltung gegenüber Veränderungen.",
    ),
    Category.IT_GOVERNANCE: (
        "Klare Zuständigkeiten zwischen zentraler IT und Fachämtern.",
        "Doppelte Strukturen werden sichtbar und abgebaut.",
    ),
}

# IT staff of Lotsenhausen's Ämter: Kürzel, task area, VZÄ (user support three times: a Doppelstruktur).
BASE_IT_STAFF: tuple[tuple[str, ItTaskArea, float], ...] = (
    ("10.4", ItTaskArea.INFRASTRUCTURE, 8.5),
    ("10.4", ItTaskArea.USER_SUPPORT, 6.0),
    ("10.4", ItTaskArea.APPLICATION_SUPPORT, 4.5),
    ("10.4", ItTaskArea.PROJECTS, 3.0),
    ("10.4", ItTaskArea.REQUIREMENTS, 2.5),
    ("10.4", ItTaskArea.IT_COORDINATION, 1.5),
    ("51", ItTaskArea.USER_SUPPORT, 2.0),
    ("37", ItTaskArea.USER_SUPPORT, 1.5),
    ("50", ItTaskArea.USER_SUPPORT, 1.25),
    ("37", ItTaskArea.INFRASTRUCTURE, 1.0),
    ("40", ItTaskArea.INFRASTRUCTURE, 2.0),
    ("40", ItTaskArea.REQUIREMENTS, 1.0),
    ("20", ItTaskArea.APPLICATION_SUPPORT, 1.5),
    ("33", ItTaskArea.APPLICATION_SUPPORT, 1.0),
    ("51", ItTaskArea.APPLICATION_SUPPORT, 1.0),
    ("63", ItTaskArea.APPLICATION_SUPPORT, 0.75),
    ("32", ItTaskArea.IT_COORDINATION, 0.5),
    ("53", ItTaskArea.IT_COORDINATION, 0.5),
    ("66", ItTaskArea.IT_COORDINATION, 0.5),
    ("CDO", ItTaskArea.PROJECTS, 2.0),
)
# Decentral IT areas at larger scales (weights).
DECENTRAL_IT_WEIGHTS = {
    ItTaskArea.APPLICATION_SUPPORT: 35,
    ItTaskArea.USER_SUPPORT: 30,
    ItTaskArea.IT_COORDINATION: 20,
    ItTaskArea.REQUIREMENTS: 10,
    ItTaskArea.PROJECTS: 3,
    ItTaskArea.INFRASTRUCTURE: 2,
}

DEMO_USERS = (
    ("cdo", "Dr. Katrin Albers (CDO)", "katrin.albers@lotsenhausen.example"),
    ("leitung", "Oberbürgermeister Jens Hoffmann", "jens.hoffmann@lotsenhausen.example"),
)
