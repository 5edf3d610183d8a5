-- Open-PVOG (federal Dashboard Digitale Verwaltung), issue 13. Own tables: never mixed with online_service /
-- procedure_snapshot (the BayernPortal measure). Region keys in natural length; the Bund has the key 'DE'.

-- one row per region and fetch: taken (current or history), held back after a drop, or unreadable
CREATE TABLE pvog_snapshot (
    ars VARCHAR,                      -- region key (natural length; 'DE' for the Bund); empty when unmapped
    ars12 VARCHAR NOT NULL,           -- ARS as the API names it (12 digits)
    fetch_date DATE NOT NULL,
    as_of DATE,                       -- datenstand_pvog_import, else the fetch date
    services INTEGER,                 -- distinct LeiKa keys in the snapshot
    status VARCHAR NOT NULL,          -- current | history | held_back | unreadable
    note VARCHAR,
    source_id VARCHAR NOT NULL,
    is_demo BOOLEAN NOT NULL DEFAULT false
);

-- region x LeiKa service x snapshot
CREATE TABLE pvog_service (
    ars VARCHAR NOT NULL,
    as_of DATE NOT NULL,
    fetch_date DATE NOT NULL,
    is_current BOOLEAN NOT NULL,
    leika_key VARCHAR NOT NULL,
    leika_name VARCHAR,
    leika_bezeichnung VARCHAR,
    ozg_id VARCHAR,
    ozg_name VARCHAR,
    themenfeld VARCHAR,               -- via the OZG catalogue (OZG-ID -> Lebenslage -> Themenfeld)
    lebenslage VARCHAR,
    url VARCHAR,
    online_status VARCHAR NOT NULL,   -- ok | nicht ok
    aktiv VARCHAR,                    -- ja | nein | empty
    coverage VARCHAR NOT NULL,        -- art_flaechendeckung
    reason_not_counted VARCHAR,       -- begruendung_nicht_beruecksichtigt
    source_id VARCHAR NOT NULL,
    is_demo BOOLEAN NOT NULL DEFAULT false
);

-- what each fetch found: complete or not, and why a build did not take it
CREATE TABLE pvog_fetch (
    fetch_date DATE NOT NULL,
    complete BOOLEAN NOT NULL,
    requested INTEGER,
    files INTEGER,
    failed INTEGER,
    base_url VARCHAR,
    note VARCHAR
);
