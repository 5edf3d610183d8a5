-- Digitalmonitor Kommunen: metric views (contract: docs/DATA_MODEL.md), run by the build step "Kennzahlen".
-- Helper tables (metric_*) are materialised in the build; the v_* views on top of them stay thin selects.
-- Each authority is counted once everywhere: a Verwaltungsgemeinschaft's procedures are its own and are
-- never added to its members'. Only v_municipality_map shows a VG's values for its members (inherited).

-- BBSR town-size classes (for municipalities and Verwaltungsgemeinschaften).
CREATE MACRO size_class_of(population) AS
    CASE
        WHEN population IS NULL THEN NULL
        WHEN population < 5000 THEN 'unter 5.000'
        WHEN population < 20000 THEN '5.000 bis unter 20.000'
        WHEN population < 100000 THEN '20.000 bis unter 100.000'
        ELSE '100.000 und mehr'
    END;

-- Authorities: who offers procedures or holds a certificate. Gemeindefreie Gebiete are never authorities.
CREATE TABLE metric_authority AS
SELECT
    ars, level, name, display_name, kind,
    CASE
        WHEN level = 'municipality' AND kind IN ('Kreisfreie Stadt', 'Stadtkreis') THEN 'kreisfreie Stadt'
        WHEN level = 'municipality' THEN 'kreisangehörige Gemeinde'
        WHEN level = 'association' THEN 'Verwaltungsgemeinschaft'
        WHEN level = 'district' THEN 'Landkreis'
        ELSE 'Bezirk'
    END AS authority_type,
    CASE WHEN level IN ('municipality', 'association') THEN size_class_of(population) END AS size_class,
    state_ars, gov_district_ars, district_ars, association_ars, population
FROM region
WHERE (level = 'municipality' AND is_municipality)
   OR level = 'association'
   OR (level = 'district' AND kind IN ('Landkreis', 'Kreis'))
   OR (level = 'gov_district' AND kind = 'Bezirk');

-- One procedure count per authority and date (a second row on the same date: real before demo, then the
-- larger total, then the source id).
CREATE TEMP TABLE metric_series AS
SELECT s.ars, s.as_of, s.as_of_precision, s.municipal, s.central, s.total, s.is_demo, s.source_id, s.source_url
FROM procedure_snapshot s
JOIN metric_authority a USING (ars)
QUALIFY row_number() OVER (PARTITION BY s.ars, s.as_of ORDER BY s.is_demo, s.total DESC, s.source_id) = 1;

-- Latest snapshot per authority, with the date of its previous snapshot.
CREATE TABLE metric_latest AS
SELECT * EXCLUDE (rn)
FROM (
    SELECT *, lead(as_of) OVER (PARTITION BY ars ORDER BY as_of DESC) AS prev_as_of,
           row_number() OVER (PARTITION BY ars ORDER BY as_of DESC) AS rn
    FROM metric_series
)
WHERE rn = 1;

-- Digitales Amt: the earliest award per region (undated awards last).
CREATE TABLE metric_certificate AS
SELECT ars, awarded_on, awarded_on_precision, is_demo, source_id
FROM certification
WHERE kind = 'Digitales Amt'
QUALIFY row_number() OVER (PARTITION BY ars ORDER BY awarded_on NULLS LAST, is_demo, source_id) = 1;

CREATE VIEW v_authority AS
SELECT ars, level, name, display_name, kind, authority_type, size_class, state_ars, gov_district_ars,
       district_ars, association_ars, population
FROM metric_authority;

CREATE VIEW v_procedures_latest AS
SELECT ars, as_of, as_of_precision, municipal, central, total, is_demo, source_id, source_url
FROM metric_latest;

CREATE VIEW v_procedures_per_10k AS
SELECT l.ars, a.population, l.total, l.municipal, l.central,
       l.total * 10000.0 / nullif(a.population, 0) AS total_per_10k,
       l.municipal * 10000.0 / nullif(a.population, 0) AS municipal_per_10k,
       l.central * 10000.0 / nullif(a.population, 0) AS central_per_10k,
       l.is_demo
FROM metric_latest l
JOIN metric_authority a USING (ars);

-- Thresholds of the Digitales Amt: from the programme row when the reference data has one.
CREATE TEMP TABLE metric_threshold AS
SELECT coalesce(max(threshold), 50) AS threshold, coalesce(max(threshold_bezirk), 30) AS threshold_bezirk
FROM program
WHERE program_id = 'digitales_amt';

-- In Bavaria a Verwaltungsgemeinschaft links the procedures of its members in the BayernPortal and receives
-- the award for them: a member municipality without a certificate of its own is no Digitales-Amt authority
-- of its own (via_association). Its row shows its VG's count, eligibility, distance, status and award
-- ('zertifiziert' with certified_via_association when the VG holds the certificate) and is never counted
-- (eligible_not_certified false; lists and counts leave via_association rows out): the VG row counts.
CREATE TABLE metric_digitales_amt AS
WITH own AS (
    SELECT a.ars, a.level, a.display_name, a.authority_type, a.association_ars, l.total,
           CASE WHEN a.authority_type = 'Bezirk' THEN t.threshold_bezirk ELSE t.threshold END AS threshold,
           c.ars IS NOT NULL AS certified, c.awarded_on, c.awarded_on_precision,
           coalesce(l.is_demo, false) OR coalesce(c.is_demo, false) AS is_demo
    FROM metric_authority a
    CROSS JOIN metric_threshold t
    LEFT JOIN metric_latest l USING (ars)
    LEFT JOIN metric_certificate c USING (ars)
    WHERE a.state_ars = '09'
),
judged AS (
    SELECT *, total >= threshold AS eligible, greatest(threshold - total, 0) AS distance,
           CASE
               WHEN certified THEN 'zertifiziert'
               WHEN total >= threshold THEN 'berechtigt, nicht zertifiziert'
               WHEN total IS NULL THEN 'keine Daten'
               ELSE 'noch nicht'
           END AS status,
           association_ars IS NOT NULL AND NOT certified AS via_association
    FROM own
)
SELECT m.ars, m.level, m.display_name, m.authority_type,
       CASE WHEN m.via_association THEN vg.total ELSE m.total END AS total,
       CASE WHEN m.via_association THEN vg.threshold ELSE m.threshold END AS threshold,
       CASE WHEN m.via_association THEN vg.eligible ELSE m.eligible END AS eligible,
       m.certified,
       CASE WHEN m.via_association THEN vg.awarded_on ELSE m.awarded_on END AS awarded_on,
       CASE WHEN m.via_association THEN vg.awarded_on_precision ELSE m.awarded_on_precision END
           AS awarded_on_precision,
       NOT m.via_association AND coalesce(m.eligible, false) AND NOT m.certified AS eligible_not_certified,
       CASE WHEN m.via_association THEN vg.distance ELSE m.distance END AS distance,
       CASE WHEN m.via_association THEN vg.status ELSE m.status END AS status,
       m.via_association,
       m.via_association AND coalesce(vg.certified, false) AS certified_via_association,
       CASE WHEN m.via_association THEN coalesce(vg.is_demo, false) ELSE m.is_demo END AS is_demo
FROM judged m
LEFT JOIN judged vg ON vg.ars = m.association_ars;

CREATE VIEW v_digitales_amt AS
SELECT ars, level, display_name, authority_type, total, threshold, eligible, certified, awarded_on,
       awarded_on_precision, eligible_not_certified, distance, status, via_association,
       certified_via_association, is_demo
FROM metric_digitales_amt;

CREATE VIEW v_grants_by_region_year AS
SELECT program_id, ars, year(approved_on) AS year, count(*) AS grants, sum(amount_eur) AS amount_eur,
       bool_or(is_demo) AS is_demo
FROM funding_grant
GROUP BY program_id, ars, year(approved_on);

CREATE VIEW v_grants_per_inhabitant AS
SELECT g.program_id, g.ars, count(*) AS grants, sum(g.amount_eur) AS amount_eur, r.population,
       sum(g.amount_eur) / nullif(r.population, 0) AS eur_per_inhabitant, bool_or(g.is_demo) AS is_demo
FROM funding_grant g
LEFT JOIN region r USING (ars)
GROUP BY g.program_id, g.ars, r.population;

-- Procedures before a grant (latest snapshot on or before the approval) and after it (latest snapshot
-- later than the approval and at most twelve months after it).
CREATE TABLE metric_grant_effect AS
WITH g AS (
    SELECT grant_id, program_id, ars, approved_on, amount_eur, is_demo,
           CAST(approved_on + INTERVAL 12 MONTH AS DATE) AS horizon
    FROM funding_grant
),
b AS (
    SELECT g.grant_id, s.as_of, s.total, s.is_demo
    FROM g ASOF JOIN metric_series s ON g.ars = s.ars AND g.approved_on >= s.as_of
),
a AS (
    SELECT g.grant_id, s.as_of, s.total, s.is_demo
    FROM g ASOF JOIN metric_series s ON g.ars = s.ars AND g.horizon >= s.as_of
    WHERE s.as_of > g.approved_on
)
SELECT g.grant_id, g.program_id, g.ars, g.approved_on, g.amount_eur,
       b.as_of AS before_as_of, b.total AS total_before, a.as_of AS after_as_of, a.total AS total_after,
       a.total - b.total AS added,
       CASE WHEN a.total - b.total > 0 THEN g.amount_eur / (a.total - b.total) END AS eur_per_added_procedure,
       g.is_demo OR coalesce(b.is_demo, false) OR coalesce(a.is_demo, false) AS is_demo
FROM g
LEFT JOIN b USING (grant_id)
LEFT JOIN a USING (grant_id);

CREATE VIEW v_grant_effect AS
SELECT grant_id, program_id, ars, approved_on, amount_eur, before_as_of, total_before, after_as_of,
       total_after, added, eur_per_added_procedure, is_demo
FROM metric_grant_effect;

-- Peer groups of each authority. Size class and authority type are compared within the state.
CREATE TEMP TABLE metric_peer AS
SELECT ars, 'state' AS group_kind, state_ars AS group_key FROM metric_authority
UNION ALL
SELECT ars, 'district', district_ars FROM metric_authority
WHERE district_ars IS NOT NULL AND level IN ('municipality', 'association')
UNION ALL
SELECT ars, 'size_class', state_ars || ':' || size_class FROM metric_authority WHERE size_class IS NOT NULL
UNION ALL
SELECT ars, 'authority_type', state_ars || ':' || authority_type FROM metric_authority;

-- The measures of every authority now (its latest snapshot) and at each date that is some authority's
-- previous snapshot date (every authority's latest snapshot on or before that date: carried forward).
CREATE TEMP TABLE metric_value AS
WITH prev_dates AS (SELECT DISTINCT prev_as_of AS on_date FROM metric_latest WHERE prev_as_of IS NOT NULL),
grid AS (SELECT d.on_date, k.ars FROM prev_dates d CROSS JOIN (SELECT DISTINCT ars FROM metric_series) k),
snap AS (
    SELECT 'now' AS point, CAST(NULL AS DATE) AS on_date, ars, as_of, municipal, central, total, is_demo
    FROM metric_latest
    UNION ALL
    SELECT 'prev', g.on_date, g.ars, s.as_of, s.municipal, s.central, s.total, s.is_demo
    FROM grid g ASOF JOIN metric_series s ON g.ars = s.ars AND g.on_date >= s.as_of
)
SELECT s.point, s.on_date, s.ars, m.measure, m.value, s.as_of, s.is_demo
FROM snap s
JOIN metric_authority a USING (ars)
CROSS JOIN LATERAL (VALUES
    ('total', s.total::DOUBLE),
    ('municipal', s.municipal::DOUBLE),
    ('central', s.central::DOUBLE),
    ('total_per_10k', s.total * 10000.0 / nullif(a.population, 0))
) AS m(measure, value)
WHERE m.value IS NOT NULL;

-- Ranks within each peer group, now and at each previous date. Rank 1 = most; ties share the lower rank.
CREATE TEMP TABLE metric_rank_all AS
SELECT v.point, v.on_date, v.ars, v.measure, p.group_kind, p.group_key, v.as_of, v.value, v.is_demo,
       rank() OVER (g ORDER BY v.value DESC) AS rank, count(*) OVER g AS peers
FROM metric_value v
JOIN metric_peer p USING (ars)
WINDOW g AS (PARTITION BY v.point, v.on_date, v.measure, p.group_kind, p.group_key);

CREATE TABLE metric_rank AS
SELECT n.ars, n.measure, n.group_kind, n.group_key, n.as_of, n.value, n.rank, n.peers,
       l.prev_as_of, p.rank AS prev_rank, p.rank - n.rank AS rank_change, n.is_demo
FROM metric_rank_all n
JOIN metric_latest l USING (ars)
LEFT JOIN metric_rank_all p
       ON p.point = 'prev' AND p.on_date = l.prev_as_of AND p.ars = n.ars AND p.measure = n.measure
      AND p.group_kind = n.group_kind AND p.group_key = n.group_key
WHERE n.point = 'now'
ORDER BY n.measure, n.group_kind, n.group_key, n.rank, n.ars;

CREATE VIEW v_ranks AS
SELECT ars, measure, group_kind, group_key, as_of, value, rank, peers, prev_as_of, prev_rank, rank_change, is_demo
FROM metric_rank;

-- Roll-ups from authorities to Verwaltungsgemeinschaft, district and state, each authority counted once.
-- sum: procedures of all authorities in the region (itself included when it is an authority);
-- share_meeting_threshold: share of its municipalities (with data) that reach the Digitales-Amt threshold;
-- population_weighted_coverage: share of the inhabitants of those municipalities living in one that does.
CREATE TEMP TABLE metric_scope AS
SELECT r.level, r.ars AS region_ars, a.ars, a.authority_type, a.population
FROM region r
JOIN metric_authority a
  ON (r.level = 'association' AND (a.association_ars = r.ars OR a.ars = r.ars))
  OR (r.level = 'district' AND (a.district_ars = r.ars OR a.ars = r.ars))
  OR (r.level = 'state' AND a.state_ars = r.ars)
WHERE r.level IN ('association', 'district', 'state');

CREATE TABLE metric_rollup AS
WITH s AS (
    SELECT sc.*, l.total, l.is_demo, sc.authority_type IN ('kreisfreie Stadt', 'kreisangehörige Gemeinde') AS is_muni,
           l.total >= t.threshold AS meets
    FROM metric_scope sc
    CROSS JOIN metric_threshold t
    LEFT JOIN metric_latest l USING (ars)
)
SELECT level, region_ars AS ars, 'sum' AS rule, sum(total)::DOUBLE AS value,
       count(*) AS authorities, count(total) AS authorities_with_data, coalesce(bool_or(is_demo), false) AS is_demo
FROM s GROUP BY level, region_ars
UNION ALL
SELECT level, region_ars, 'share_meeting_threshold', avg(meets::INTEGER)::DOUBLE,
       count(*), count(total), coalesce(bool_or(is_demo), false)
FROM s WHERE is_muni GROUP BY level, region_ars
UNION ALL
SELECT level, region_ars, 'population_weighted_coverage',
       sum(CASE WHEN meets THEN population ELSE 0 END) FILTER (WHERE total IS NOT NULL)::DOUBLE
           / nullif(sum(population) FILTER (WHERE total IS NOT NULL), 0),
       count(*), count(total), coalesce(bool_or(is_demo), false)
FROM s WHERE is_muni GROUP BY level, region_ars
ORDER BY 1, 2, 3;

CREATE VIEW v_rollup AS
SELECT level, ars, rule, value, authorities, authorities_with_data, is_demo
FROM metric_rollup;

-- Municipality map: own procedures first; a member of a Verwaltungsgemeinschaft without own procedures shows
-- the VG's, marked inherited. Digitales Amt (status, distance) exists in Bavaria only and is the
-- municipality's row of metric_digitales_amt, so map and status list agree: a Bavarian member without its
-- own certificate shows its VG's status and distance (status_inherited; certificate_inherited when the VG
-- holds the certificate).
CREATE TABLE metric_municipality_map AS
WITH m AS (
    SELECT r.ars, r.state_ars, r.is_municipality, r.population,
           CASE WHEN r.is_municipality THEN r.association_ars END AS vg
    FROM region r WHERE r.level = 'municipality'
),
j AS (
    SELECT m.*,
           own.total IS NULL AND vgl.total IS NOT NULL AS procedures_inherited,
           coalesce(d.via_association, false) AS status_inherited,
           coalesce(d.certified_via_association, false) AS certificate_inherited,
           coalesce(own.total, vgl.total) AS total,
           CASE WHEN own.total IS NOT NULL THEN own.municipal ELSE vgl.municipal END AS municipal,
           CASE WHEN own.total IS NOT NULL THEN own.central ELSE vgl.central END AS central,
           CASE WHEN own.total IS NOT NULL THEN own.total * 10000.0 / nullif(m.population, 0)
                ELSE vgl.total * 10000.0 / nullif(vga.population, 0) END AS total_per_10k,
           CASE WHEN own.total IS NOT NULL THEN own.is_demo ELSE vgl.is_demo END AS procedures_demo,
           d.status AS da_status, d.distance, d.is_demo AS da_demo
    FROM m
    LEFT JOIN metric_latest own ON own.ars = m.ars AND m.is_municipality
    LEFT JOIN metric_latest vgl ON vgl.ars = m.vg
    LEFT JOIN metric_authority vga ON vga.ars = m.vg
    LEFT JOIN metric_digitales_amt d ON d.ars = m.ars AND m.is_municipality
)
SELECT ars, total, municipal, central, total_per_10k, da_status, distance,
       procedures_inherited OR status_inherited AS inherited,
       procedures_inherited, certificate_inherited, status_inherited,
       CASE WHEN procedures_inherited OR status_inherited THEN vg END AS inherited_from,
       coalesce(procedures_demo, false) OR coalesce(da_demo, false) AS is_demo
FROM j
ORDER BY ars;

CREATE VIEW v_municipality_map AS
SELECT ars, total, municipal, central, total_per_10k, da_status, distance, inherited, procedures_inherited,
       certificate_inherited, status_inherited, inherited_from, is_demo
FROM metric_municipality_map;

-- the temporary helpers end with the step
DROP TABLE metric_series;
DROP TABLE metric_threshold;
DROP TABLE metric_peer;
DROP TABLE metric_value;
DROP TABLE metric_rank_all;
DROP TABLE metric_scope;
