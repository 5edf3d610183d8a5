-- Digitalmonitor Kommunen: database schema. All region keys are strings with their leading zeros.

CREATE TABLE build_info (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);

-- one row per file read (official source, reference table, analyst import or demo generator)
CREATE TABLE source (
    source_id VARCHAR PRIMARY KEY,
    dataset VARCHAR NOT NULL,          -- e.g. bkg_vg5000_2021, destatis_gv100ad_20251130
    title VARCHAR NOT NULL,
    publisher VARCHAR,
    url VARCHAR,
    file VARCHAR,
    sha256 VARCHAR,
    bytes BIGINT,
    origin VARCHAR,                    -- mirror | download | project | import | generated
    retrieved_at TIMESTAMPTZ,
    licence VARCHAR,
    attribution VARCHAR,
    edition VARCHAR,                   -- data stand (ISO date) of the dataset
    kind VARCHAR NOT NULL,             -- boundaries | register | reference | import | demo
    is_demo BOOLEAN NOT NULL DEFAULT false
);

CREATE TABLE region (
    ars VARCHAR PRIMARY KEY,           -- natural length: 2, 3, 5, 9, 12
    ags VARCHAR,                       -- 8 digits for municipalities, 2/3/5 for upper levels
    level VARCHAR NOT NULL CHECK (level IN ('state', 'gov_district', 'district', 'association', 'municipality')),
    name VARCHAR NOT NULL,             -- as in the register, with its suffix (", M", "(VGem)")
    display_name VARCHAR NOT NULL,
    kind VARCHAR,
    state_ars VARCHAR,
    gov_district_ars VARCHAR,
    district_ars VARCHAR,
    association_ars VARCHAR,           -- multi-member Gemeindeverband of a municipality
    population BIGINT,
    male BIGINT,
    area_km2 DOUBLE,
    postcode VARCHAR,
    is_municipality BOOLEAN NOT NULL,  -- false for gemeindefreie Gebiete and upper levels
    member_count INTEGER,              -- member municipalities of an association
    has_shape BOOLEAN NOT NULL,
    edition VARCHAR NOT NULL,
    source_id VARCHAR NOT NULL
);

CREATE TABLE population (
    ars VARCHAR NOT NULL,
    level VARCHAR NOT NULL,
    edition VARCHAR NOT NULL,
    census_base VARCHAR NOT NULL,      -- Zensus 2011 (editions up to 2022) or Zensus 2022
    population BIGINT,
    male BIGINT,
    area_km2 DOUBLE,
    source_id VARCHAR NOT NULL,
    PRIMARY KEY (ars, edition)
);

CREATE TABLE region_mismatch (
    level VARCHAR, ars VARCHAR, ags VARCHAR, name VARCHAR, kind VARCHAR, issue VARCHAR,
    register_edition VARCHAR, boundary_edition VARCHAR
);

CREATE TABLE region_shape (
    ars VARCHAR NOT NULL,
    level VARCHAR NOT NULL,
    detail VARCHAR NOT NULL,
    in_register BOOLEAN NOT NULL,      -- false: shape of a key the newest register no longer has
    min_lon DOUBLE, min_lat DOUBLE, max_lon DOUBLE, max_lat DOUBLE,
    geometry BLOB NOT NULL,            -- WKB, EPSG:4326, simplified
    source_id VARCHAR NOT NULL,
    PRIMARY KEY (ars, level, detail)
);

-- the GeoJSON the dashboard serves as a static file; the name carries the build id
CREATE TABLE shape_file (
    level VARCHAR PRIMARY KEY, file_name VARCHAR NOT NULL, bytes BIGINT NOT NULL, features INTEGER NOT NULL,
    attribution VARCHAR NOT NULL, content VARCHAR NOT NULL
);

-- what each step of the build loaded and rejected
CREATE TABLE load_log (
    step VARCHAR, source VARCHAR, loaded BIGINT, rejected BIGINT, seconds DOUBLE, note VARCHAR
);

CREATE TABLE reject (
    source_id VARCHAR, file VARCHAR, row_number INTEGER, reason VARCHAR, raw VARCHAR,
    kind VARCHAR                       -- reject | repaired | name_match | replaced (the last three: reported, loaded)
);

-- ---------------------------------------------------------------------------------------------
-- Digitalisation data (issue 3). Every fact row carries source_id and is_demo.
-- Dates known only to the month or year are stored as the first day with a precision column.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE program (
    program_id VARCHAR PRIMARY KEY,    -- digitales_rathaus | digital_aufs_amt | digitales_amt
    name VARCHAR NOT NULL,
    state_ars VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,             -- funding | certification
    operator VARCHAR,
    legal_basis VARCHAR,
    in_force_on DATE,
    budget_eur DOUBLE,
    max_per_applicant_eur DOUBLE,
    funding_rate DOUBLE,               -- 0.8
    funding_rate_special DOUBLE,       -- 0.9 in areas with special need
    threshold INTEGER,                 -- Digitales Amt: 50 procedures
    threshold_bezirk INTEGER,          -- Digitales Amt: 30 for Bezirke
    min_services INTEGER,              -- Digitales Rathaus: at least 20 online services
    closes_on DATE,
    conditions VARCHAR,
    target VARCHAR,
    support VARCHAR,
    source_url VARCHAR NOT NULL,
    source_id VARCHAR NOT NULL,
    is_demo BOOLEAN NOT NULL DEFAULT false
);

CREATE TABLE online_service (
    ars VARCHAR NOT NULL,
    service_name VARCHAR NOT NULL,
    leika_id VARCHAR,
    ozg_id VARCHAR,
    kind VARCHAR NOT NULL CHECK (kind IN ('municipal', 'central')),
    online_since DATE,
    online_since_precision VARCHAR,    -- day | month | year
    url VARCHAR,
    source_id VARCHAR NOT NULL,
    is_demo BOOLEAN NOT NULL DEFAULT false
);

CREATE TABLE procedure_snapshot (
    ars VARCHAR NOT NULL,
    as_of DATE NOT NULL,
    as_of_precision VARCHAR NOT NULL,  -- day | month | year
    municipal INTEGER,                 -- NULL where a source gives only the total
    central INTEGER,
    total INTEGER NOT NULL,
    source_id VARCHAR NOT NULL,
    source_url VARCHAR,
    is_demo BOOLEAN NOT NULL DEFAULT false
);

CREATE TABLE funding_grant (           -- "grant" is an SQL keyword
    grant_id VARCHAR PRIMARY KEY,
    program_id VARCHAR NOT NULL,
    ars VARCHAR NOT NULL,
    approved_on DATE,
    approved_on_precision VARCHAR,     -- day | month | year | unknown
    amount_eur DOUBLE,
    amount_exact BOOLEAN,
    funding_rate DOUBLE,
    purpose VARCHAR,
    status VARCHAR,
    source_id VARCHAR NOT NULL,
    source_url VARCHAR,
    is_demo BOOLEAN NOT NULL DEFAULT false
);

CREATE TABLE certification (
    ars VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,             -- Digitales Amt
    awarded_on DATE,                   -- NULL when no date is known
    awarded_on_precision VARCHAR NOT NULL,  -- day | month | year | unknown
    procedures_reported INTEGER,
    note VARCHAR,
    source_id VARCHAR NOT NULL,
    source_url VARCHAR,
    is_demo BOOLEAN NOT NULL DEFAULT false
);

CREATE TABLE milestone (
    on_date DATE,
    date_precision VARCHAR,
    program_id VARCHAR,
    fact VARCHAR NOT NULL,
    value DOUBLE,
    note VARCHAR,
    source_url VARCHAR NOT NULL,
    source_id VARCHAR NOT NULL
);

-- the measure catalogue of core/measures.py, one row per measure (filled by etl/dictionary.py)
CREATE TABLE measure (
    key VARCHAR PRIMARY KEY, label VARCHAR NOT NULL, unit VARCHAR, decimals INTEGER NOT NULL,
    higher_is_better BOOLEAN NOT NULL, levels VARCHAR, rankable BOOLEAN NOT NULL, categories VARCHAR,
    facts VARCHAR, can_be_demo BOOLEAN NOT NULL, caveat VARCHAR, note VARCHAR
);

-- every column of every table and metric view: meaning, unit, source (filled by etl/dictionary.py)
CREATE TABLE data_dictionary (
    object VARCHAR NOT NULL, column_name VARCHAR NOT NULL, meaning VARCHAR NOT NULL, unit VARCHAR, source VARCHAR,
    PRIMARY KEY (object, column_name)
);
