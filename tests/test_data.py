import numpy as np
import pandas as pd
import pytest

from itclusters import REGION_IDS, official_series, paper_table, sector_matrix
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


def test_sector_matrix_columns_partition_grp():
    gva = gva_by_section()["value"]
    for year in (2010, 2014, 2016):
        matrix = sector_matrix(year)
        assert matrix.notna().all().all()
        grp = gva.xs((year, "GDP"), level=("year", "section")).reindex(list(REGION_IDS))
        taxes = gva.xs((year, "NET_TAXES"), level=("year", "section")).reindex(list(REGION_IDS))
        # sections + net taxes = GRP (2010 also deducts FISIM, which only the Republic row has)
        assert np.allclose(matrix.sum(axis=1) + taxes, grp, rtol=1e-6) or year == 2010


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
