-- Tables of the second-pass press facts (etl/sources/press.py); every row carries source_id, source_url, is_demo.

-- an authority reported as meeting the "Digitales Amt" criterion, without a reported award (kept apart from awards)
CREATE TABLE certification_criterion (
    ars VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    name VARCHAR,                      -- the name as the source gives it
    note VARCHAR,
    source_id VARCHAR NOT NULL,
    source_url VARCHAR,
    is_demo BOOLEAN NOT NULL DEFAULT false
);

-- federal Dashboard Digitale Verwaltung (PVOG): services available online across the region's whole area
-- ("flächendeckend"), own and Kreis/Land/Bund services; a different measure from the BayernPortal count
CREATE TABLE pvog_available (
    ars VARCHAR NOT NULL,              -- natural length (2 for a Land)
    as_of DATE,                        -- NULL when the source gives no date
    as_of_precision VARCHAR NOT NULL,  -- day | month | year | unknown
    available INTEGER,
    note VARCHAR,
    source_id VARCHAR NOT NULL,
    source_url VARCHAR,
    is_demo BOOLEAN NOT NULL DEFAULT false
);

CREATE TABLE bitkom_laenderindex (
    state_ars VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    rank INTEGER NOT NULL,
    score DOUBLE NOT NULL,             -- 0 to 100
    published_on DATE,
    source_id VARCHAR NOT NULL,
    source_url VARCHAR,
    is_demo BOOLEAN NOT NULL DEFAULT false,
    PRIMARY KEY (state_ars, year)
);

CREATE TABLE smart_city_index (
    ars VARCHAR NOT NULL,
    city VARCHAR NOT NULL,             -- the name as the index gives it
    year INTEGER NOT NULL,
    category VARCHAR NOT NULL,         -- Gesamt, Verwaltung, Energie und Umwelt, …
    rank INTEGER,                      -- NULL where the source gives a range only (rank_note)
    rank_note VARCHAR,                 -- e.g. "unter den letzten 3"
    score DOUBLE,                      -- 0 to 100; NULL where the source names the rank only
    source_id VARCHAR NOT NULL,
    source_url VARCHAR,
    is_demo BOOLEAN NOT NULL DEFAULT false
);
