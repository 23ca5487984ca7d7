"""Harmonisation: levels add along the crosswalk, ratios are recomputed, layouts never mix."""
import numpy as np
import pandas as pd
import pytest

from itclusters import LayoutError, harmonise, harmonise_ratio, layout_units
from itclusters.data import official_current


def _gva(year):
    return official_current("ict_gva")["value"].xs(year, level="year")


def test_2019_ict_gva_to_kz16_adds_turkestan_and_shymkent():
    gva = _gva(2019)
    out = harmonise(gva, to="kz16")
    assert out["south_kazakhstan"] == gva["turkestan"] + gva["shymkent"]
    assert out.drop("national").sum() == pytest.approx(gva.drop("national").sum(), rel=1e-12)
    assert out.drop("national").sum() == pytest.approx(gva["national"], rel=1e-12)
    assert out["national"] == gva["national"]
    assert set(out.index) == {*layout_units("kz16"), "national"}
    assert out.attrs["layout"] == "kz16"
    for rid in ("akmola", "almaty_city", "astana", "karaganda"):
        assert out[rid] == gva[rid]


def test_2024_gva_to_kz17_and_kz16_restore_the_old_territories():
    gva = _gva(2024)
    to17 = harmonise(gva, to="kz17")
    assert to17["east_kazakhstan"] == gva["east_kazakhstan_2022"] + gva["abai"]
    assert to17["almaty_region"] == gva["almaty_region_2022"] + gva["jetisu"]
    assert to17["karaganda"] == gva["karaganda_2022"] + gva["ulytau"]
    to16 = harmonise(gva, to="kz16")
    assert to16["south_kazakhstan"] == gva["turkestan"] + gva["shymkent"]
    assert to16.drop("national").sum() == pytest.approx(gva["national"], rel=1e-12)


def test_a_panel_with_a_different_layout_each_year():
    gva = official_current("ict_gva")["value"]
    out = harmonise(gva, to="kz16")
    years = sorted(set(gva.index.get_level_values("year")))
    assert sorted(set(out.index.get_level_values("year"))) == years
    for year in years:
        block = out.xs(year, level="year")
        assert len(block) == 17  # 16 units + national
        assert block.drop("national").sum() == pytest.approx(block["national"], rel=1e-11)
    assert out[("south_kazakhstan", 2016)] == gva[("south_kazakhstan", 2016)]


def test_a_frame_is_harmonised_column_by_column():
    frame = pd.DataFrame({"a": _gva(2019), "b": 2 * _gva(2019)})
    out = harmonise(frame, to="kz16")
    assert (out["b"] == 2 * out["a"]).all()


def test_overlapping_units_are_refused():
    gva = _gva(2019).drop("national")
    mixed = pd.concat([gva, pd.Series({"south_kazakhstan": 1.0})])
    with pytest.raises(LayoutError, match="overlap.*south_kazakhstan and shymkent"):
        harmonise(mixed, to="kz16")


def test_units_of_no_single_layout_are_refused():
    gva = _gva(2019).drop(["national", "shymkent"])
    with pytest.raises(LayoutError, match="missing shymkent"):
        harmonise(gva, to="kz16")
    with pytest.raises(LayoutError, match="unknown unit ids"):
        harmonise(pd.Series({"atlantis": 1.0}), to="kz16")


def test_units_cannot_be_split():
    gva = _gva(2016)
    with pytest.raises(LayoutError, match="cannot be split"):
        harmonise(gva, to="kz17")


def test_a_missing_part_makes_the_whole_missing():
    gva = _gva(2019).copy()
    gva["shymkent"] = np.nan
    out = harmonise(gva, to="kz16")
    assert np.isnan(out["south_kazakhstan"])
    assert out["akmola"] == gva["akmola"]


def test_ratios_are_recomputed_from_levels_not_averaged():
    ict, grp = _gva(2019), official_current("grp")["value"].xs(2019, level="year")
    share = harmonise_ratio(ict, grp, to="kz16")
    expected = (ict["turkestan"] + ict["shymkent"]) / (grp["turkestan"] + grp["shymkent"])
    assert share["south_kazakhstan"] == pytest.approx(expected, rel=1e-14)
    averaged = (ict["turkestan"] / grp["turkestan"] + ict["shymkent"] / grp["shymkent"]) / 2
    assert abs(share["south_kazakhstan"] - averaged) > 1e-5  # 1.3 % apart in 2019
    assert share["national"] == pytest.approx(ict["national"] / grp["national"])


def test_moves_the_crosswalk_cannot_undo_are_flagged_where_they_matter():
    pop = official_current("population_avg")["value"]
    flags = harmonise(pop, to="kz16").attrs["flags"]
    assert any("Almaty city was enlarged" in f for f in flags)      # back-cast population
    assert any("Akmola" in f for f in flags)
    in_2019 = pop[pop.index.get_level_values("year") == 2019]
    one_year = harmonise(in_2019, to="kz16").attrs["flags"]
    assert not any("Almaty city was enlarged" in f for f in one_year)  # after the move
    gva = official_current("ict_gva")["value"]
    assert harmonise(gva[gva.index.get_level_values("year") == 2012], to="kz16").attrs["flags"] \
        == []
    across = harmonise(gva, to="kz16").attrs["flags"]                 # 2010-2025 spans 2014
    assert any("Almaty city was enlarged" in f for f in across)
