-- Breitbandatlas (Stand Mitte 2021): one row per municipality of today's register (values NULL with a note
-- where the atlas has none) and population-weighted roll-ups per Gemeindeverband, Kreis, Regierungsbezirk, Land.
CREATE TABLE broadband (
    ars VARCHAR PRIMARY KEY,
    level VARCHAR NOT NULL,
    households_100mbit DOUBLE,         -- % of households, >= 100 Mbit/s, alle Technologien
    households_gigabit DOUBLE,         -- % of households, >= 1000 Mbit/s, alle Technologien
    businesses_gigabit DOUBLE,         -- % of businesses, >= 1000 Mbit/s, leitungsgebundene Technologien
    municipalities INTEGER NOT NULL,   -- municipalities in the region (1 for a municipality)
    municipalities_with_data INTEGER NOT NULL,
    population_with_data BIGINT,       -- today's population of those municipalities (the roll-up weights)
    source_key VARCHAR,                -- the 8-digit key in the atlas (municipalities)
    key_match VARCHAR,                 -- exact | key_change | none | rollup
    note VARCHAR,
    as_of DATE NOT NULL,
    as_of_precision VARCHAR NOT NULL,
    source_id VARCHAR NOT NULL,
    is_demo BOOLEAN NOT NULL DEFAULT false
);

-- @rollup
-- runs after the municipality rows are in: population-weighted means of the municipalities with a
-- value, per measure
CREATE MACRO broadband_weighted(v, w) AS sum(v * w) FILTER (WHERE v IS NOT NULL AND w > 0)
    / nullif(sum(w) FILTER (WHERE v IS NOT NULL AND w > 0), 0);

INSERT INTO broadband BY NAME
WITH m AS (
    SELECT b.*, coalesce(r.population, 0) AS pop, r.association_ars, r.district_ars, r.gov_district_ars,
           r.state_ars
    FROM broadband b JOIN region r USING (ars)
    WHERE b.level = 'municipality'
), parents AS (
    SELECT association_ars AS parent, 'association' AS parent_level, * EXCLUDE (level) FROM m
        WHERE association_ars IS NOT NULL
    UNION ALL SELECT district_ars, 'district', * EXCLUDE (level) FROM m WHERE district_ars IS NOT NULL
    UNION ALL SELECT gov_district_ars, 'gov_district', * EXCLUDE (level) FROM m WHERE gov_district_ars IS NOT NULL
    UNION ALL SELECT state_ars, 'state', * EXCLUDE (level) FROM m
)
SELECT parent AS ars, parent_level AS level,
       round(broadband_weighted(households_100mbit, pop), 2) AS households_100mbit,
       round(broadband_weighted(households_gigabit, pop), 2) AS households_gigabit,
       round(broadband_weighted(businesses_gigabit, pop), 2) AS businesses_gigabit,
       count(*) AS municipalities,
       count(households_100mbit) AS municipalities_with_data,
       sum(pop) FILTER (WHERE households_100mbit IS NOT NULL) AS population_with_data,
       NULL AS source_key, 'rollup' AS key_match,
       CASE WHEN count(households_100mbit) < count(*)
            THEN 'nach Einwohnern gewichtet über ' || count(households_100mbit) || ' von ' || count(*)
                 || ' Gemeinden mit Wert'
            ELSE 'nach Einwohnern gewichtet über alle ' || count(*) || ' Gemeinden' END AS note,
       any_value(as_of) AS as_of, any_value(as_of_precision) AS as_of_precision,
       any_value(source_id) AS source_id, false AS is_demo
FROM parents
GROUP BY parent, parent_level;

DROP MACRO broadband_weighted;
