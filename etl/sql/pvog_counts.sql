-- Counts per region and snapshot, distinct LeiKa keys with online_status 'ok' (rows 'nicht in Auswertung
-- berücksichtigt' are not counted). "available" = own services plus those of its Kreis, Land and the Bund whose
-- coverage kind reaches it: bundesweit from the Bund, landesweit from Land or Bund, kreisweit from Kreis or above.
-- A parent's snapshot is its newest one on or before the region's fetch date.

CREATE TABLE pvog_count AS
WITH counted AS (
    SELECT * FROM pvog_service WHERE coverage <> 'nicht in Auswertung berücksichtigt'
),
snap AS (
    SELECT s.ars, s.fetch_date, s.as_of, s.status = 'current' AS is_current, s.source_id,
           r.level, r.district_ars, r.state_ars
    FROM pvog_snapshot s LEFT JOIN region r USING (ars)
    WHERE s.status IN ('current', 'history')
),
parent AS (   -- (region snapshot, parent key, rank of the parent: 0 Bund, 1 Land, 2 Kreis)
    SELECT ars, fetch_date, 'DE' AS parent, 0 AS prank FROM snap WHERE ars <> 'DE'
    UNION ALL SELECT ars, fetch_date, state_ars, 1 FROM snap WHERE state_ars IS NOT NULL AND state_ars <> ars
    UNION ALL SELECT ars, fetch_date, district_ars, 2 FROM snap
        WHERE district_ars IS NOT NULL AND district_ars <> ars AND level IN ('municipality', 'association')
),
parent_snap AS (
    SELECT p.ars, p.fetch_date, p.parent, p.prank, max(ps.fetch_date) AS parent_date
    FROM parent p JOIN snap ps ON ps.ars = p.parent AND ps.fetch_date <= p.fetch_date
    GROUP BY ALL
),
reaching AS (
    SELECT ps.ars, ps.fetch_date, c.leika_key
    FROM parent_snap ps JOIN counted c ON c.ars = ps.parent AND c.fetch_date = ps.parent_date
    WHERE c.online_status = 'ok'
      AND CASE c.coverage WHEN 'bundesweit flächendeckend' THEN 0 WHEN 'landesweit flächendeckend' THEN 1
                          WHEN 'kreisweit flächendeckend' THEN 2 ELSE 9 END <= ps.prank
),
own AS (
    SELECT ars, fetch_date,
           count(DISTINCT leika_key) FILTER (WHERE online_status = 'ok') AS own,
           count(DISTINCT leika_key) FILTER (WHERE online_status = 'nicht ok') AS own_not_working
    FROM counted GROUP BY ALL
),
available AS (
    SELECT ars, fetch_date, count(DISTINCT leika_key) AS available
    FROM (SELECT ars, fetch_date, leika_key FROM counted WHERE online_status = 'ok'
          UNION ALL SELECT * FROM reaching)
    GROUP BY ALL
)
SELECT s.ars, s.as_of, s.fetch_date, s.is_current,
       coalesce(o.own, 0)::INTEGER AS own,
       coalesce(o.own_not_working, 0)::INTEGER AS own_not_working,
       coalesce(a.available, 0)::INTEGER AS available,
       s.source_id, false AS is_demo
FROM snap s LEFT JOIN own o USING (ars, fetch_date) LEFT JOIN available a USING (ars, fetch_date)
ORDER BY s.ars, s.fetch_date;

CREATE TABLE pvog_count_topic AS
SELECT ars, as_of, fetch_date, is_current, coalesce(themenfeld, 'ohne Zuordnung') AS themenfeld,
       count(DISTINCT leika_key) FILTER (WHERE online_status = 'ok')::INTEGER AS own,
       count(DISTINCT leika_key) FILTER (WHERE online_status = 'nicht ok')::INTEGER AS own_not_working,
       false AS is_demo
FROM pvog_service WHERE coverage <> 'nicht in Auswertung berücksichtigt'
GROUP BY ALL ORDER BY ars, fetch_date, themenfeld;

-- For "Leistungen, die vergleichbare Gemeinden online anbieten und diese nicht": per peer group (Land and size
-- class, municipalities with a current snapshot) the services at least half of the group offers itself. A page
-- lists for one municipality the rows of its group it does not offer; its peers are the group without itself,
-- so a row counts when offering * 2 >= peers - 1 (the municipality is not among those offering).
CREATE TABLE pvog_peer_service AS
WITH muni AS (
    SELECT r.ars, r.state_ars,
           CASE WHEN r.population < 5000 THEN 'unter 5.000' WHEN r.population < 20000 THEN '5.000 bis unter 20.000'
                WHEN r.population < 100000 THEN '20.000 bis unter 100.000' ELSE '100.000 und mehr' END AS size_class
    FROM region r JOIN pvog_snapshot s ON s.ars = r.ars AND s.status = 'current'
    WHERE r.level = 'municipality' AND r.is_municipality AND r.population IS NOT NULL
),
groups AS (SELECT state_ars, size_class, count(*)::INTEGER AS peers FROM muni GROUP BY ALL),
offered AS (
    SELECT m.state_ars, m.size_class, p.leika_key, min(p.leika_name) AS leika_name,
           count(DISTINCT m.ars)::INTEGER AS offering
    FROM muni m JOIN pvog_service p ON p.ars = m.ars AND p.is_current AND p.online_status = 'ok'
         AND p.coverage <> 'nicht in Auswertung berücksichtigt'
    GROUP BY ALL
)
SELECT o.state_ars, o.size_class, o.leika_key, o.leika_name, g.peers, o.offering,
       round(100.0 * o.offering / g.peers, 1) AS share_pct, false AS is_demo
FROM offered o JOIN groups g USING (state_ars, size_class)
WHERE g.peers > 1 AND o.offering * 2 >= g.peers - 1
ORDER BY o.state_ars, o.size_class, o.offering DESC, o.leika_key;
