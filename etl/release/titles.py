"""German titles and descriptions of the released tables (column meanings come from the data dictionary)."""

from __future__ import annotations

TITLES: dict[str, tuple[str, str]] = {
    "region": ("Gebiete", "Länder, Regierungsbezirke, Kreise, Gemeindeverbände und Gemeinden des neuesten "
                          "Gemeindeverzeichnisses mit Einwohnern und Fläche"),
    "population": ("Bevölkerung", "Einwohner je Gebiet und Ausgabe des Gemeindeverzeichnisses"),
    "region_mismatch": ("Abweichungen Verzeichnis/Grenzen", "Schlüssel, die nur im Verzeichnis oder nur in den "
                                                             "Grenzen vorkommen"),
    "region_shape": ("Kartenformen", "Vereinfachte Grenzen je Ebene (WGS84, GeoParquet); © GeoBasis-DE / BKG, "
                                     "Daten verändert"),
    "source": ("Quellen", "Jede gelesene Datei mit Herausgeber, Adresse, Lizenz, Namensnennung und Stand"),
    "program": ("Förderprogramme", "Programme mit Budget, Förderquote und Schwelle"),
    "online_service": ("Online-Verfahren", "Einzelne Online-Verfahren je Behörde, wo die Quelle sie nennt"),
    "procedure_snapshot": ("Zahl der Online-Verfahren (BayernPortal)",
                           "Zahl der Online-Verfahren je Behörde und Stichtag"),
    "funding_grant": ("Förderbescheide", "Bewilligte Förderungen je Behörde mit Betrag und Datum"),
    "certification": ("Auszeichnungen „Digitales Amt“", "Auszeichnungen je Behörde mit Datum"),
    "certification_criterion": ("Kriterium „Digitales Amt“ erfüllt", "Meldungen, dass eine Behörde das "
                                                                      "Kriterium erfüllt"),
    "milestone": ("Meilensteine", "Veröffentlichte Gesamtzahlen der Programme"),
    "measure": ("Kennzahlenkatalog", "Jede Kennzahl des Dashboards mit Einheit, Ebenen und Hinweis"),
    "data_dictionary": ("Datenlexikon", "Bedeutung, Einheit und Quelle jeder Spalte"),
    "pvog_available": ("Verfügbare Leistungen (Presse, Bund)", "Zahl der flächendeckend verfügbaren Leistungen "
                                                                "laut Dashboard Digitale Verwaltung"),
    "bitkom_laenderindex": ("Bitkom Länderindex", "Rang und Punktzahl der Länder"),
    "smart_city_index": ("Bitkom Smart City Index", "Rang und Punktzahl der Städte"),
    "broadband": ("Breitbandverfügbarkeit 2021", "Anteile der Haushalte und Unternehmen mit schnellem Internet "
                                                 "(Breitbandatlas, Stand Mitte 2021)"),
    "pvog_snapshot": ("Open-PVOG: Abrufe je Gebiet", "Ein Schnappschuss je Gebiet und Abruf"),
    "pvog_service": ("Open-PVOG: Leistungen je Gebiet", "Jede LeiKa-Leistung je Gebiet und Schnappschuss mit "
                                                        "Online-Status und Reichweite"),
    "pvog_count": ("Open-PVOG: Zahl der Leistungen", "Eigene und verfügbare Online-Leistungen je Gebiet"),
    "pvog_count_topic": ("Open-PVOG: Leistungen je Themenfeld", "Eigene Online-Leistungen je Gebiet und "
                                                                "Themenfeld"),
    "pvog_peer_service": ("Open-PVOG: übliche Leistungen", "Leistungen, die mindestens die Hälfte der "
                                                           "Vergleichsgemeinden anbietet"),
    "v_authority": ("Behörden", "Behörden mit Art, Größenklasse und übergeordneten Gebieten"),
    "v_procedures_latest": ("Neueste Zahl der Online-Verfahren", "Neuester Stand je Behörde"),
    "v_procedures_per_10k": ("Online-Verfahren je 10.000 Einwohner", "Neuester Stand je Behörde, bezogen auf die "
                                                                      "Einwohner"),
    "v_digitales_amt": ("Digitales Amt: Status", "Schwelle, Berechtigung und Auszeichnung je bayerischer Behörde"),
    "v_grants_per_inhabitant": ("Förderung je Einwohner", "Summe der Förderungen je Programm und Behörde"),
    "v_rollup": ("Zusammenfassungen je Gebiet", "Summen und Anteile je Gemeindeverband, Kreis und Land"),
    "v_ranks": ("Ränge", "Rang je Behörde, Kennzahl und Vergleichsgruppe mit Veränderung"),
    "changes": ("Änderungen gegenüber der vorigen Veröffentlichung", "Neue Auszeichnungen, neue Förderungen, "
                                                                      "Leistungen online/offline, geänderte Zahlen"),
}


def title_of(name: str) -> tuple[str, str]:
    return TITLES.get(name, (name, f"Tabelle {name}"))
