"""Metric views of the session build, checked against independent computations from the fact tables."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

DATA_MODEL = Path(__file__).resolve().parent.parent / "docs" / "DATA_MODEL.md"
DORMITZ = "094745426"


def _contract() -> dict[str, list[str]]:
    """View -> columns, from the metric table of docs/DATA_MODEL.md (parentheses removed)."""
    views = {}
    for line in DATA_MODEL.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\|\s*`(v_\w+)`\s*\|[^|]*\|(.*)\|\s*$", line)
        if m:
            cols = re.sub(r"\([^()]*\)", "", m.group(2))
            views[m.group(1)] = [c.strip() for c in cols.split(",") if c.strip()]
    return views


def _latest(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Latest snapshot per key, computed in pandas from the raw fact table."""
    snaps = con.execute("SELECT ars, as_of, municipal, central, total, is_demo FROM procedure_snapshot").df()
    snaps = snaps.sort_values(["ars", "as_of", "is_demo", "total"], ascending=[True, True, False, True])
    return snaps.groupby("ars").tail(1).set_index("ars")


def test_views_have_the_contract_columns(con: duckdb.DuckDBPyConnection) -> None:
    contract = _contract()
    assert len(contract) == 13  # ten metric views and the three Open-PVOG views (v_pvog_history, _latest, _map)
    for view, cols in contract.items():
        actual = [c for (c,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = $v ORDER BY ordinal_position",
            {"v": view}).fetchall()]
        assert set(cols) <= set(actual), view


@pytest.mark.parametrize(("population", "expected"), [
    (0, "unter 5.000"), (4999, "unter 5.000"), (5000, "5.000 bis unter 20.000"),
    (19999, "5.000 bis unter 20.000"), (20000, "20.000 bis unter 100.000"),
    (99999, "20.000 bis unter 100.000"), (100000, "100.000 und mehr"), (None, None)])
def test_size_class_boundaries(con: duckdb.DuckDBPyConnection, population: int | None, expected: str | None) -> None:
    (got,) = con.execute("SELECT size_class_of($p::BIGINT)", {"p": population}).fetchone()
    assert got == expected


def test_authorities_carry_their_size_class_and_type(con: duckdb.DuckDBPyConnection) -> None:
    auth = con.execute("SELECT * FROM v_authority").df()
    assert auth.loc[auth["population"] == 5000, "size_class"].tolist() == ["5.000 bis unter 20.000"]
    small = auth[auth["size_class"] == "unter 5.000"]
    assert small["population"].max() < 5000
    types = auth.set_index("ars")["authority_type"]
    assert types["095640000000"] == "kreisfreie Stadt"
    assert types[DORMITZ] == "Verwaltungsgemeinschaft"
    assert types["094745426119"] == "kreisangehörige Gemeinde"
    assert types["09474"] == "Landkreis" and types["095"] == "Bezirk"
    (unincorporated,) = con.execute(
        "SELECT count(*) FROM v_authority JOIN region r USING (ars) WHERE r.level = 'municipality' "
        "AND NOT r.is_municipality").fetchone()
    assert unincorporated == 0
    assert "09564" not in types.index  # a kreisfreie Stadt is counted once, as the municipality


def test_latest_and_per_10k(con: duckdb.DuckDBPyConnection) -> None:
    expected = _latest(con)
    view = con.execute("SELECT * FROM v_procedures_per_10k").df().set_index("ars")
    latest = con.execute("SELECT * FROM v_procedures_latest").df().set_index("ars")
    assert set(view.index) == set(latest.index) and len(view) > 3000
    joined = latest.join(expected, suffixes=("", "_raw"))
    assert (joined["total"] == joined["total_raw"]).all()
    assert (pd.to_datetime(joined["as_of"]) == pd.to_datetime(joined["as_of_raw"])).all()
    pop = con.execute("SELECT ars, population FROM region").df().set_index("ars")["population"]
    want = view["total"] * 10_000 / pop.reindex(view.index).astype(float)
    np.testing.assert_allclose(view["total_per_10k"], want)
    row = view.loc["095640000000"]
    assert row["total_per_10k"] == pytest.approx(row["total"] / 529_508 * 10_000)
    split = view.dropna(subset=["municipal", "central"])  # real counts may give only the total
    assert len(split) > 3000
    np.testing.assert_allclose(split["municipal_per_10k"] + split["central_per_10k"], split["total_per_10k"])


def test_digitales_amt_eligibility(con: duckdb.DuckDBPyConnection) -> None:
    da = con.execute("SELECT * FROM v_digitales_amt").df()
    assert set(da["threshold"][da["authority_type"] == "Bezirk"]) == {30}
    assert set(da["threshold"][da["authority_type"] != "Bezirk"]) == {50}
    known = da.dropna(subset=["total"])
    assert (known["eligible"] == (known["total"] >= known["threshold"])).all()
    assert (known["distance"] == np.maximum(known["threshold"] - known["total"], 0)).all()
    eligible = da["eligible"].fillna(False).astype(bool)
    assert (da["eligible_not_certified"] == (eligible & ~da["certified"] & ~da["via_association"])).all()
    status = np.select([da["certified"] | da["certified_via_association"], eligible, da["total"].isna()],
                       ["zertifiziert", "berechtigt, nicht zertifiziert", "keine Daten"], "noch nicht")
    assert (da["status"] == status).all()
    assert set(da["status"]) >= {"zertifiziert", "berechtigt, nicht zertifiziert", "noch nicht"}
    (n_by,) = con.execute("SELECT count(*) FROM v_authority WHERE state_ars = '09'").fetchone()
    assert len(da) == n_by


def test_grant_views(con: duckdb.DuckDBPyConnection) -> None:
    grants = con.execute("SELECT * FROM funding_grant").df()
    by_year = con.execute("SELECT * FROM v_grants_by_region_year").df()
    assert by_year["grants"].sum() == len(grants)
    assert by_year["amount_eur"].sum() == pytest.approx(grants["amount_eur"].sum())
    per_inh = con.execute("SELECT * FROM v_grants_per_inhabitant").df()
    np.testing.assert_allclose(per_inh["eur_per_inhabitant"], per_inh["amount_eur"] / per_inh["population"])
    effect = con.execute("SELECT * FROM v_grant_effect").df()
    assert len(effect) == len(grants)
    both = effect.dropna(subset=["total_before", "total_after"])
    assert len(both) > 1000
    assert (both["added"] == both["total_after"] - both["total_before"]).all()
    approved = pd.to_datetime(both["approved_on"])
    assert (pd.to_datetime(both["before_as_of"]) <= approved).all()
    assert (pd.to_datetime(both["after_as_of"]) > approved).all()
    assert (pd.to_datetime(both["after_as_of"]) <= approved + pd.DateOffset(months=12)).all()
    pos = both[both["added"] > 0]
    np.testing.assert_allclose(pos["eur_per_added_procedure"], pos["amount_eur"] / pos["added"])


def _rank_desc(values: pd.Series) -> pd.Series:
    return values.rank(method="min", ascending=False).astype(int)


def test_ranks_and_rank_change_in_a_district(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute ranks for Landkreis Forchheim (09474) now and at each member's previous date."""
    ranks = con.execute("SELECT * FROM v_ranks WHERE group_kind = 'district' AND group_key = '09474' "
                        "AND measure = 'total'").df().set_index("ars")
    members = [a for (a,) in con.execute(
        "SELECT ars FROM v_authority WHERE district_ars = '09474' AND level IN ('municipality', 'association')"
    ).fetchall()]
    snaps = con.execute("SELECT ars, as_of, total FROM procedure_snapshot WHERE ars IN (SELECT unnest($m))",
                        {"m": members}).df()
    snaps["as_of"] = pd.to_datetime(snaps["as_of"])
    latest = snaps.sort_values("as_of").groupby("ars").tail(1).set_index("ars")
    assert set(ranks.index) == set(latest.index)
    assert (ranks["rank"] == _rank_desc(latest["total"]).reindex(ranks.index)).all()
    assert (ranks["peers"] == len(latest)).all()
    for ars, row in ranks.iterrows():
        if pd.isna(row["prev_as_of"]):  # a single snapshot (e.g. the real count of VG Dormitz)
            assert len(snaps[snaps["ars"] == ars]) == 1 and pd.isna(row["prev_rank"]), ars
            continue
        prev = pd.Timestamp(row["prev_as_of"])
        at_prev = snaps[snaps["as_of"] <= prev].sort_values("as_of").groupby("ars").tail(1).set_index("ars")
        assert row["prev_rank"] == _rank_desc(at_prev["total"])[ars], ars
        assert row["rank_change"] == row["prev_rank"] - row["rank"]
    assert (ranks["rank_change"] > 0).any() and (ranks["rank_change"] < 0).any()


def test_rank_change_sign_everywhere(con: duckdb.DuckDBPyConnection) -> None:
    up, down, wrong, groups = con.execute(
        "SELECT count(*) FILTER (WHERE rank_change > 0), count(*) FILTER (WHERE rank_change < 0), "
        "count(*) FILTER (WHERE sign(rank_change) <> sign(prev_rank - rank)), count(DISTINCT group_kind) "
        "FROM v_ranks").fetchone()
    assert up > 0 and down > 0 and wrong == 0 and groups == 4
    (dupes,) = con.execute("SELECT count(*) FROM (SELECT ars, measure, group_kind FROM v_ranks "
                           "GROUP BY ALL HAVING count(*) > 1)").fetchone()
    assert dupes == 0


def test_vg_certificate_is_inherited_on_the_map_but_counted_once(con: duckdb.DuckDBPyConnection) -> None:
    members = [a for (a,) in con.execute(
        "SELECT ars FROM region WHERE association_ars = $vg AND is_municipality ORDER BY ars", {"vg": DORMITZ}
    ).fetchall()]
    assert members == ["094745426119", "094745426137", "094745426144"]  # Dormitz, Hetzles, Kleinsendelbach
    (vg_certified,) = con.execute("SELECT certified FROM v_digitales_amt WHERE ars = $a", {"a": DORMITZ}).fetchone()
    assert vg_certified
    own_cert = {a for (a,) in con.execute("SELECT ars FROM certification WHERE ars IN (SELECT unnest($m))",
                                          {"m": members}).fetchall()}
    assert not own_cert
    amap = con.execute("SELECT * FROM v_municipality_map WHERE ars IN (SELECT unnest($m)) ORDER BY ars",
                       {"m": members}).df()
    assert amap["certificate_inherited"].all() and amap["inherited"].all()
    assert (amap["inherited_from"] == DORMITZ).all() and (amap["da_status"] == "zertifiziert").all()
    da = con.execute("SELECT * FROM v_digitales_amt WHERE ars IN (SELECT unnest($m)) ORDER BY ars",
                     {"m": members}).df()
    assert not da["certified"].any() and da["via_association"].all() and da["certified_via_association"].all()
    assert (da["status"] == "zertifiziert").all() and not da["eligible_not_certified"].any()
    assert (pd.to_datetime(da["awarded_on"]) == pd.Timestamp("2022-09-23")).all()  # the VG's real award
    assert da["status"].tolist() == amap["da_status"].tolist()

    latest = _latest(con)
    vg_total = latest.loc[DORMITZ, "total"]
    ranks = con.execute("SELECT ars, value FROM v_ranks WHERE measure = 'total' AND group_kind = 'state'").df()
    assert (ranks["ars"] == DORMITZ).sum() == 1
    for ars, value in ranks[ranks["ars"].isin(members)].itertuples(index=False):
        assert value == latest.loc[ars, "total"]  # the member's own count, never the VG's added
    rollup = con.execute("SELECT rule, value, authorities, authorities_with_data FROM v_rollup "
                         "WHERE level = 'association' AND ars = $a", {"a": DORMITZ}).df().set_index("rule")
    with_data = [a for a in [*members, DORMITZ] if a in latest.index]
    assert rollup.loc["sum", "value"] == latest.loc[with_data, "total"].sum()
    assert rollup.loc["sum", "authorities"] == 4  # three members and the VG, each once
    assert rollup.loc["share_meeting_threshold", "authorities"] == 3
    assert vg_total in latest.loc[with_data, "total"].tolist()


def test_map_shows_own_values_first_and_covers_every_municipality(con: duckdb.DuckDBPyConnection) -> None:
    amap = con.execute("SELECT m.*, r.is_municipality FROM v_municipality_map m JOIN region r USING (ars)").df()
    (n_munis,) = con.execute("SELECT count(*) FROM region WHERE level = 'municipality'").fetchone()
    assert len(amap) == n_munis and amap["ars"].is_unique
    free = amap[~amap["is_municipality"]]
    assert len(free) > 100 and free["total"].isna().all() and free["da_status"].isna().all()
    assert not free["inherited"].any()
    latest = _latest(con)
    own = amap[amap["ars"].isin(latest.index)].set_index("ars")
    assert not own["procedures_inherited"].any()
    assert (own["total"] == latest.loc[own.index, "total"]).all()
    inherited = amap[amap["procedures_inherited"]]
    for row in inherited.itertuples():
        assert row.total == latest.loc[row.inherited_from, "total"]


def test_rollups_by_rule(con: duckdb.DuckDBPyConnection) -> None:
    latest = _latest(con)
    auth = con.execute("SELECT ars, authority_type, population FROM v_authority WHERE state_ars = '09'").df()
    auth = auth.join(latest["total"], on="ars")
    roll = con.execute("SELECT rule, value, authorities, authorities_with_data FROM v_rollup "
                       "WHERE level = 'state' AND ars = '09'").df().set_index("rule")
    assert roll.loc["sum", "value"] == auth["total"].sum()
    assert roll.loc["sum", "authorities"] == len(auth)
    assert roll.loc["sum", "authorities_with_data"] == auth["total"].notna().sum()
    munis = auth[auth["authority_type"].isin(["kreisfreie Stadt", "kreisangehörige Gemeinde"])].dropna(
        subset=["total"])
    assert roll.loc["share_meeting_threshold", "value"] == pytest.approx((munis["total"] >= 50).mean())
    covered = munis.loc[munis["total"] >= 50, "population"].sum() / munis["population"].sum()
    assert roll.loc["population_weighted_coverage", "value"] == pytest.approx(covered)
    levels = {lvl for (lvl,) in con.execute("SELECT DISTINCT level FROM v_rollup").fetchall()}
    assert levels == {"association", "district", "state"}


def test_member_status_is_the_same_in_the_list_and_on_the_map(con: duckdb.DuckDBPyConnection) -> None:
    """A Bavarian member municipality without its own certificate takes its VG's Digitales-Amt status, in
    v_digitales_amt and on the map alike (e.g. Kirchweidach, own count >= 50, VG Kirchweidach certified)."""
    both = con.execute("""
        SELECT d.ars, d.status, m.da_status, d.distance, m.distance AS map_distance, d.via_association,
               m.status_inherited, d.certified_via_association, m.certificate_inherited
        FROM v_digitales_amt d JOIN v_municipality_map m USING (ars)""").df()
    (n_munis,) = con.execute("SELECT count(*) FROM region WHERE state_ars = '09' AND level = 'municipality' "
                             "AND is_municipality").fetchone()
    assert len(both) == n_munis
    assert (both["status"] == both["da_status"]).all()
    assert (both["distance"].fillna(-1) == both["map_distance"].fillna(-1)).all()
    assert (both["via_association"] == both["status_inherited"]).all()
    assert (both["certified_via_association"] == both["certificate_inherited"]).all()
    # members reaching 50 on their own whose VG is certified: certified via the VG, never eligible on their own
    like_kirchweidach = con.execute("""
        SELECT d.ars, d.status, d.certified, d.certified_via_association, d.eligible_not_certified, m.da_status
        FROM v_digitales_amt d
        JOIN v_authority a USING (ars)
        JOIN v_procedures_latest own USING (ars)
        JOIN v_municipality_map m USING (ars)
        JOIN v_digitales_amt vg ON vg.ars = a.association_ars
        WHERE own.total >= 50 AND vg.certified AND NOT d.certified""").df()
    assert len(like_kirchweidach) > 50
    assert (like_kirchweidach["status"] == "zertifiziert").all()
    assert (like_kirchweidach["da_status"] == "zertifiziert").all()
    assert like_kirchweidach["certified_via_association"].all()
    assert not like_kirchweidach["eligible_not_certified"].any()


def test_each_authority_is_counted_once_in_the_digitales_amt_lists(con: duckdb.DuckDBPyConnection) -> None:
    """Rows of members whose VG is their authority repeat the VG's status; they are in no count or list."""
    da = con.execute("SELECT d.*, a.association_ars FROM v_digitales_amt d JOIN v_authority a USING (ars)").df()
    via = da[da["via_association"]]
    assert len(via) > 500 and via["association_ars"].notna().all() and not via["certified"].any()
    assert not via["eligible_not_certified"].any()
    vg = da.set_index("ars").loc[via["association_ars"]]
    for col in ("status", "total", "distance", "eligible"):
        assert (via[col].fillna(-1).to_numpy() == vg[col].fillna(-1).to_numpy()).all(), col
    assert (via["certified_via_association"].to_numpy() == vg["certified"].to_numpy()).all()
    # eligible, not certified: only authorities that are not members of a VG, or members with their own award
    own = da[da["association_ars"].isna() | da["certified"]]
    want = own["total"].ge(own["threshold"]) & ~own["certified"]
    assert da["eligible_not_certified"].sum() == want.sum() > 100
