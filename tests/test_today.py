"""Indicators to the latest year: hand computations from the source files, defining properties."""
import csv

import numpy as np
import pandas as pd
import pytest

from itclusters.data import project_root
from itclusters.layouts import layout_units
from itclusters.today import it_poles, latest_year, today_panel

OFFICIAL = project_root() / "data" / "official"


def _cell(path, **match):
    with open(path, encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle)
                if all(r[k] == str(v) for k, v in match.items())]
    assert len(rows) == 1, (path.name, match, len(rows))
    return float(rows[0]["Value" if "Value" in rows[0] else "value"])


def _grp(code, year):
    return _cell(OFFICIAL / "current" / "grp.csv", region_code=code, year=year)


def _employed(code, year):
    return _cell(OFFICIAL / "current" / "employed_population.csv", region_code=code, year=year)


def _rd(code, year):
    return _cell(OFFICIAL / "sdg" / "indicator_9-5-1.csv", REF_AREA=code, Year=year)


def _rd_full(geocode, year):
    return _cell(OFFICIAL / "sdg" / "indicator_9-5-1_full_precision_2010_2017.csv",
                 GeoCode=geocode, Year=year)


@pytest.fixture(scope="module")
def panel():
    return today_panel()


def test_rd_per_employed_is_its_hand_computation_from_the_three_files(panel):
    # KZT per employed person = (9.5.1 / 100) x GRP (million KZT) / employed (thousand) x 1000
    hand = {
        ("karaganda", 2019): _rd("KZKAR", 2019) / 100 * _grp("KRG", 2019) / _employed("KRG", 2019),
        # full precision; South Kazakhstan's employment is Turkestan + Shymkent (back-cast)
        ("south_kazakhstan", 2016): _rd_full("KZ10", 2016) / 100 * _grp("YKO", 2016)
        / (_employed("TRK", 2016) + _employed("SHM", 2016)),
        # 2021: 9.5.1 and employment on the 17 units, GRP already on the 20: VKO + ABY
        ("east_kazakhstan", 2021): _rd("KZVOS", 2021) / 100
        * (_grp("VKO", 2021) + _grp("ABY", 2021)) / _employed("VKO", 2021),
        ("abai", 2023): _rd("KZABY", 2023) / 100 * _grp("ABY", 2023) / _employed("ABY", 2023),
        ("almaty_city", 2010): _rd_full("KZ02", 2010) / 100 * _grp("ALA", 2010)
        / _employed("ALA", 2010),
    }
    for key, value in hand.items():
        assert panel.loc[key, "rd_per_employed"] == pytest.approx(value * 1000, rel=1e-12), key
    assert panel.loc[("south_kazakhstan", 2016), "rd_precision"] == "full precision"
    assert panel.loc[("karaganda", 2019), "rd_precision"] == "2 decimals"
    assert np.isnan(panel.loc[("karaganda", 2015), "rd_per_employed"])  # no employment in 2015


@pytest.mark.slow
@pytest.mark.parametrize("layout", [None, "kz16", "kz17"])
def test_grp_weighted_mean_lq_is_one_and_shares_sum_to_one(layout):
    frame = today_panel(layout)
    years = sorted(set(frame.index.get_level_values("year")))
    assert years[-1] == latest_year()
    for year in years:
        one = frame.xs(year, level="year")
        regions = one.drop("national")
        weights = regions["grp"] / one.loc["national", "grp"]
        assert (weights * regions["ict_lq"]).sum() == pytest.approx(1.0, abs=1e-12), (layout, year)
        assert regions["ict_share"].sum() == pytest.approx(1.0, abs=1e-12)
        assert set(regions.index) == set(layout_units(one["layout"].iloc[0]))


def test_each_year_on_its_own_layout(panel):
    layouts = panel.groupby(level="year")["layout"].first()
    assert layouts[2016] == "kz16" and layouts[2019] == "kz17" and layouts[2024] == "kz20"
    assert layouts[2021] == "kz17"   # GVA of 2021 (20 units) added to the 17 of that year


def test_rd_intensity_on_the_own_layout_is_the_published_percentage(panel):
    assert panel.loc[("turkestan", 2019), "rd_intensity"] == pytest.approx(
        _rd("KZYUZ", 2019), rel=1e-12)
    assert panel.loc[("mangystau", 2016), "rd_intensity"] == pytest.approx(
        _rd_full("KZ09", 2016), rel=1e-12)


@pytest.mark.slow
def test_harmonised_ratios_are_recomputed_from_levels():
    kz16 = today_panel("kz16")
    rd_t = _rd("KZYUZ", 2019) / 100 * _grp("TRK", 2019)
    rd_s = _rd("KZSHY", 2019) / 100 * _grp("SHM", 2019)
    expected = (rd_t + rd_s) / (_grp("TRK", 2019) + _grp("SHM", 2019)) * 100
    assert kz16.loc[("south_kazakhstan", 2019), "rd_intensity"] == pytest.approx(expected)
    assert kz16.loc[("south_kazakhstan", 2019), "layout"] == "kz16"
    assert any("Almaty city" in f for f in kz16.attrs["flags"])


@pytest.mark.slow
def test_growth_across_a_change_of_layout_compares_one_territory(panel):
    # Turkestan's 2017 is the bureau's back-cast of the same territory (South Kazakhstan less
    # Shymkent); South Kazakhstan itself is no unit of 2018 on its own layout
    from itclusters.data import official_current

    gva = official_current("ict_gva", all_rows=True)["value"]
    assert panel.loc[("turkestan", 2018), "ict_growth"] == pytest.approx(
        (gva[("turkestan", 2018)] / gva[("turkestan", 2017)] - 1) * 100)
    assert ("south_kazakhstan", 2018) not in panel.index
    kz16 = today_panel("kz16")
    ict = kz16["ict_gva"]
    assert kz16.loc[("south_kazakhstan", 2018), "ict_growth"] == pytest.approx(
        (ict[("south_kazakhstan", 2018)] / ict[("south_kazakhstan", 2017)] - 1) * 100)


def test_the_poles_of_2016_are_the_articles(panel):
    poles = it_poles(panel, 2016)
    assert sorted(poles.index[poles["pole"]]) == ["almaty_city", "astana"]
    assert poles["threshold"].iloc[0] == pytest.approx(1 / 16)


# --- notebook 07's composite with the article's J_A and J_D from official data --------------

@pytest.mark.slow
def test_official_composite_carries_the_articles_ja_and_jd():
    import itclusters as itc
    from itclusters.catalogue import open_data_indicators
    from itclusters.today import official_composite

    raw, metadata = official_composite()
    assert {"J_A", "J_D"} <= set(raw.columns)
    assert metadata.loc["J_A", "parent"] == "activity"
    assert metadata.loc["J_D", "parent"] == "susceptibility"
    assert sorted(set(raw.index.get_level_values("year"))) == [2010, 2011, 2012, 2013, 2014, 2016]
    old, _ = open_data_indicators()
    # J_D on the 16 units (employment of Turkestan + Shymkent) = the 2010-2016 files' productivity
    assert np.allclose(raw["J_D"], old.loc[raw.index, "OD_PRODUCTIVITY"], rtol=1e-12)
    hand = _rd_full("KZ12", 2016) / 100 * _grp("KRG", 2016) / _employed("KRG", 2016) * 1000
    assert raw.loc[("karaganda", 2016), "J_A"] == pytest.approx(hand, rel=1e-12)
    index = itc.innovation_index(raw, metadata)
    assert index["index"].between(0, 100).all()


def test_comparison_with_table1_is_perfect_for_the_published_index_itself():
    from itclusters import paper_table
    from itclusters.today import compare_with_table1

    t1 = paper_table(1)
    same = compare_with_table1(t1["index"])
    assert list(same.index) == [2010, 2016]
    assert np.allclose(same["Spearman"], 1.0)
    assert (same["same letter"] == 16).all() and (same["letters that differ"] == "").all()
    shuffled = t1["index"].groupby(level="year").transform(lambda s: s.iloc[::-1].to_numpy())
    assert (compare_with_table1(shuffled)["Spearman"] < 1).all()


@pytest.mark.slow
def test_the_explorer_offers_every_year_on_the_harmonised_16_units():
    import matplotlib
    matplotlib.use("Agg")
    from itclusters.today import explorer_panel
    from itclusters.widgets import Explorer

    panel = explorer_panel()
    explorer = Explorer(panel=panel, indicator="ict_lq_grp")
    assert list(explorer.year.options) == list(range(2010, latest_year() + 1))
    assert explorer.year.value == latest_year()
    labels = [label for label, _ in explorer.indicator.options]
    assert "R&D expenditure per employed person (the article's R&D indicator)" in labels
    assert not [label for label in labels if "_" in label]  # no raw codes
    explorer.year.value = 2019
    assert len(explorer._values()) == 16


@pytest.mark.slow
def test_the_explorer_redraws_the_map_when_the_years_layout_changes():
    import matplotlib
    matplotlib.use("Agg")
    from itclusters.today import explorer_panel
    from itclusters.widgets import Explorer

    panel = explorer_panel(None)
    assert panel.attrs["layouts"][2016] == "kz16" and panel.attrs["layouts"][2019] == "kz17"
    assert panel.attrs["layouts"][latest_year()] == "kz20"   # each year on its own units
    explorer = Explorer(panel=panel, indicator="ict_lq_grp", year=2016)
    assert len(explorer.ax._itclusters_ids) == 16
    explorer.year.value = 2019
    assert len(explorer.ax._itclusters_ids) == 17
    gids = {c.get_gid() for c in explorer.ax.collections}
    assert "city:shymkent" in gids
    assert "geokz 1.0.2" in explorer._credit.get_text()
    assert "later borders" not in explorer._credit.get_text()
    explorer.year.value = latest_year()
    assert len(explorer.ax._itclusters_ids) == 20
    assert "city:shymkent" in {c.get_gid() for c in explorer.ax.collections}
    explorer.year.value = 2012
    assert len(explorer.ax._itclusters_ids) == 16
    # the 16-region map says what the one drawing of all years cannot show
    assert "Astana and Almaty city drawn with their later borders" in explorer._credit.get_text()
