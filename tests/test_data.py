import numpy as np
import pandas as pd
import pytest

from itclusters import (REGION_IDS, krugman_index, location_quotient, official_series,
                        paper_table, sector_matrix)
from itclusters.data import OFFICIAL_SERIES, gva_by_section


def test_paper_tables_are_tidy_and_complete():
    for n, column, years in [(1, "index", {2010, 2016}), (2, "it_production", set(range(2010, 2017))),
                             (3, "ksi", {2010, 2016})]:
        table = paper_table(n)
        assert table.index.names == ["region_id", "year"]
        assert set(table.index.get_level_values("region_id")) == set(REGION_IDS)
        assert set(table.index.get_level_values("year")) == years
        assert len(table) == 16 * len(years)
        assert column in table.attrs["units"]


def test_dashes_stay_missing_not_zero():
    t2 = paper_table(2)
    dashes = t2["printed"] == "—"
    assert dashes.sum() > 0
    assert t2.loc[dashes, "it_production"].isna().all()
    assert t2.loc[~dashes, "it_production"].notna().all()
    assert np.isnan(t2.loc[("atyrau", 2016), "it_production"])


def test_table2_column_sums_match_the_readme():
    t2 = paper_table(2)["it_production"]
    assert t2.sum() == pytest.approx(211_454.9, abs=0.05)
    assert t2.xs(2016, level="year").sum() == pytest.approx(38_269.1, abs=0.05)


def test_unknown_table_number():
    with pytest.raises(ValueError, match="Tables 1, 2 and 3"):
        paper_table(4)


def test_official_series_have_units_and_all_regions():
    for name in OFFICIAL_SERIES:
        series = official_series(name)
        assert series.attrs["units"]["value"]
        assert set(series.index.get_level_values("region_id")) == set(REGION_IDS)
    with pytest.raises(ValueError, match="available: grp"):
        official_series("gdp")


def _item(gva, year, item):
    return gva.xs((year, item), level=("year", "section")).drop("national").reindex(list(REGION_IDS))


@pytest.mark.parametrize("sectors", ["finest", "consistent"])
def test_sector_matrix_is_value_added_net_of_fisim_in_every_year(sectors):
    """FISIM is treated alike in every year: the columns add up to GRP less net taxes."""
    gva = gva_by_section()["value"]
    for year in range(2010, 2017):
        matrix = sector_matrix(year, sectors=sectors)
        assert matrix.notna().all().all() and (matrix >= 0).all().all()
        net = _item(gva, year, "GDP") - _item(gva, year, "NET_TAXES")
        assert np.allclose(matrix.sum(axis=1), net, rtol=0, atol=1e-6), year
        # section J is never touched by the FISIM deduction
        assert np.allclose(matrix["J"], _item(gva, year, "J"), rtol=0, atol=0)
        assert "FISIM" not in matrix.columns and "IND" not in matrix.columns


def test_fisim_of_2010_is_deducted_from_other_services_only():
    gva = gva_by_section()["value"]
    matrix = sector_matrix(2010)
    published = _item(gva, 2010, "OTHER_SERVICES")
    fisim = _item(gva, 2010, "FISIM")
    assert (fisim > 0).all()
    assert np.allclose(matrix["OTHER_SERVICES"], published - fisim, rtol=0, atol=1e-6)
    for section in "ABCDEFGHJL":
        assert np.allclose(matrix[section], _item(gva, 2010, section), rtol=0, atol=0)
    # the ICT location quotient the referee measured net of FISIM (3.634 when it is ignored)
    assert location_quotient(matrix).loc["almaty_city", "J"] == pytest.approx(3.804, abs=5e-4)


def test_sector_lists():
    early = ["A", "B", "C", "D", "E", "F", "G", "H", "J", "L", "OTHER_SERVICES"]
    for year in range(2010, 2017):
        assert list(sector_matrix(year, sectors="consistent").columns) == early
    assert list(sector_matrix(2013).columns) == early
    assert list(sector_matrix(2014).columns) == list("ABCDEFGHIJKLMNOPQRS")
    assert sector_matrix(2014, sectors="consistent").attrs["sectors"] == "consistent"
    with pytest.raises(ValueError, match="unknown sector list 'coarse'"):
        sector_matrix(2014, sectors="coarse")
    with pytest.raises(ValueError, match="available: 2010"):
        sector_matrix(2009)


def test_consistent_list_merges_the_split_services():
    gva = gva_by_section()["value"]
    for year in (2014, 2015, 2016):
        merged = sum(_item(gva, year, s) for s in "IKMNOPQRS")
        consistent = sector_matrix(year, sectors="consistent")
        assert np.allclose(consistent["OTHER_SERVICES"], merged, rtol=0, atol=1e-6)
        assert np.allclose(consistent.sum(axis=1), sector_matrix(year).sum(axis=1), rtol=0, atol=1e-6)


def _as_published_in_2010_13_layout(gva, year):
    """The year's raw table as it would have arrived with one "other services" item."""
    parts = list("IKMNOPQRST")
    one = gva.xs(year, level="year", drop_level=False)
    rest = one[~one.index.get_level_values("section").isin(parts)]
    merged = (one[one.index.get_level_values("section").isin(parts)]
              .groupby(level=["region_id", "year"])["value"].sum().to_frame())
    merged["section"] = "OTHER_SERVICES"
    merged = merged.set_index("section", append=True)
    return pd.concat([rest[["value"]], merged]).sort_index()


@pytest.mark.parametrize("year", [2014, 2015, 2016])
def test_consistent_list_does_not_depend_on_the_layout_the_table_arrived_in(year):
    gva = gva_by_section()
    coarse = _as_published_in_2010_13_layout(gva, year)
    from_split = sector_matrix(year, sectors="consistent")
    from_coarse = sector_matrix(year, sectors="consistent", gva=coarse)
    pd.testing.assert_frame_equal(from_split, from_coarse, check_exact=False, rtol=1e-12)
    pd.testing.assert_series_equal(krugman_index(from_split), krugman_index(from_coarse),
                                   check_exact=False, rtol=1e-12)
    # the finest list of a table that arrived coarse is the consistent one
    assert list(sector_matrix(year, gva=coarse).columns) == list(from_split.columns)


def test_a_table_with_both_other_services_and_its_parts_is_refused():
    gva = gva_by_section()
    coarse = _as_published_in_2010_13_layout(gva, 2014)
    aggregate = coarse.xs("OTHER_SERVICES", level="section", drop_level=False)["value"]
    both = pd.concat([gva, aggregate.to_frame()]).sort_index()  # parts and aggregate at once
    with pytest.raises(ValueError, match=r"2014: both OTHER_SERVICES and its part\(s\) I, K"):
        sector_matrix(2014, gva=both)
    twice = pd.concat([gva, gva.xs(("akmola", 2014, "J"), drop_level=False)])
    with pytest.raises(ValueError, match=r"2014: more than one value for akmola, J"):
        sector_matrix(2014, gva=twice)


def test_boundaries_keyed_by_region_with_utf8_names():
    gdf = boundaries_or_skip()
    assert list(gdf.index) == list(REGION_IDS)
    assert gdf.loc["almaty_city", "kind"] == "city"
    assert gdf.loc["karaganda", "name_ru"] == "Карагандинская область"
    assert gdf.geometry.is_valid.all()


def boundaries_or_skip():
    from itclusters import boundaries
    return boundaries()


# --- the sums recorded in data/official/SOURCES.md ----------------------------------------------

def _region_sums(name):
    return official_series(name)["value"].groupby(level="year").sum()


def test_gva_regions_add_up_to_the_national_rows():
    gva = gva_by_section()["value"]
    national = gva.xs("national", level="region_id")
    regions = gva.drop("national", level="region_id").groupby(level=["year", "section"]).sum(min_count=1)
    both = pd.concat({"regions": regions, "national": national}, axis=1).dropna()
    assert len(both) > 100
    assert np.allclose(both["regions"], both["national"], atol=0.05)


def test_ict_gva_national_totals_of_the_readme():
    ict = _region_sums("ict_gva")
    assert ict[2010] == pytest.approx(675_234.2, abs=0.05)
    assert ict[2016] == pytest.approx(978_417.4, abs=0.05)
    national_j = gva_by_section()["value"].xs(("national", "J"), level=("region_id", "section"))
    assert np.allclose(ict.sort_index(), national_j.sort_index(), atol=0.05)


def test_employment_and_investment_sums_of_the_readme():
    employed = _region_sums("employed_population")
    assert abs(employed[2010] - 8_114.2) <= 0.05      # rounding in the source, per the README
    assert employed[2016] == pytest.approx(8_553.376, abs=1e-6)
    assert 2015 not in employed.index                  # dropped by the pipeline, not zero
    investment = _region_sums("fixed_capital_investment")
    assert investment[2010] == 4_653_528 and investment[2016] == 7_762_303


def test_grp_regions_add_up_to_the_republic():
    grp = _region_sums("grp")
    national = gva_by_section()["value"].xs(("national", "GDP"), level=("region_id", "section"))
    assert np.allclose(grp.sort_index(), national.sort_index(), atol=0.05)
