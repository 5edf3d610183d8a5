-- The federal measures pvog_available / pvog_own as the app reads them (issue 13, DATA_MODEL.md "Open-PVOG").
-- Points: every accepted fetched snapshot (pvog_count, origin 'Abruf') and every dated press value of the
-- "flächendeckend" count (pvog_available of the press step, origin 'Presse'; it has no own count).
-- Latest per region: its current fetched snapshot; only a region without any fetched snapshot takes its newest
-- dated press value. Never mixed with procedure_snapshot (the BayernPortal count).

CREATE TABLE IF NOT EXISTS pvog_available (   -- a build without the press step: no press values
    ars VARCHAR NOT NULL, as_of DATE, as_of_precision VARCHAR NOT NULL, available INTEGER, note VARCHAR,
    source_id VARCHAR NOT NULL, source_url VARCHAR, is_demo BOOLEAN NOT NULL DEFAULT false
);

CREATE OR REPLACE VIEW v_pvog_history AS
SELECT c.ars, c.as_of, 'day' AS as_of_precision, 'Abruf' AS origin, c.fetch_date, c.available, c.own,
       c.own_not_working, c.source_id, s.url AS source_url, false AS is_demo
FROM pvog_count c LEFT JOIN source s USING (source_id)
UNION ALL
SELECT p.ars, p.as_of, p.as_of_precision, 'Presse', NULL::DATE, p.available, NULL::INTEGER, NULL::INTEGER,
       p.source_id, p.source_url, p.is_demo
FROM pvog_available p
WHERE p.as_of IS NOT NULL AND p.available IS NOT NULL AND NOT p.is_demo;

-- latest and map rows are materialised (metric_pvog_*; the views are thin selects): the Karte reads them on every rerun
CREATE OR REPLACE TABLE metric_pvog_latest AS
SELECT ars, as_of, as_of_precision, origin, fetch_date, available, own, own_not_working, source_id, source_url,
       is_demo
FROM v_pvog_history h
WHERE origin = 'Abruf' AND EXISTS (SELECT 1 FROM pvog_count c WHERE c.ars = h.ars AND c.is_current
                                                                   AND c.fetch_date = h.fetch_date)
   OR origin = 'Presse' AND NOT EXISTS (SELECT 1 FROM pvog_count c WHERE c.ars = h.ars)
QUALIFY row_number() OVER (PARTITION BY ars ORDER BY as_of DESC, source_id) = 1
ORDER BY ars;
CREATE OR REPLACE VIEW v_pvog_latest AS SELECT * FROM metric_pvog_latest;

-- The Karte's rows: v_pvog_latest, plus a kreisfreie Stadt's point under its Kreis key too (the API gives the
-- city as a Gemeinde, e.g. 095640000000 = Nürnberg; the Kreis layer draws it as 09564)
CREATE OR REPLACE TABLE metric_pvog_map AS
SELECT * FROM metric_pvog_latest
UNION ALL
SELECT r.district_ars, l.as_of, l.as_of_precision, l.origin, l.fetch_date, l.available, l.own, l.own_not_working,
       l.source_id, l.source_url, l.is_demo
FROM metric_pvog_latest l JOIN region r ON r.ars = l.ars
WHERE r.level = 'municipality' AND r.district_ars IS NOT NULL AND r.ars = r.district_ars || '0000000'
  AND NOT EXISTS (SELECT 1 FROM metric_pvog_latest x WHERE x.ars = r.district_ars)
ORDER BY ars;
CREATE OR REPLACE VIEW v_pvog_map AS SELECT * FROM metric_pvog_map;
