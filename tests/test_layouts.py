"""Region layouts as data: units, crosswalk, source codes, the resolver by year, harmonisation."""
import numpy as np
import pandas as pd
import pytest

import itclusters as itc
from itclusters import layouts as lay
from itclusters.data import _layout_table
from itclusters.regions import PostReformRegionError, UnknownRegionError


# --- the registry -----------------------------------------------------------------------------

def test_three_layouts_with_their_years_and_sizes():
    table = lay.layouts()
    assert list(table.index) == ["kz16", "kz17", "kz20"]
    for name, row in table.iterrows():
        assert len(lay.layout_units(name)) == row["n_units"]
    assert [lay.layout_of(y) for y in (2010, 2017, 2018, 2021, 2022, 2025)] == \
        ["kz16", "kz16", "kz17", "kz17", "kz20", "kz20"]
    with pytest.raises(lay.LayoutError, match="2009"):
        lay.layout_of(2009)


def test_the_articles_layout_is_the_16_region_registry():
    assert set(lay.layout_units("kz16")) == set(itc.REGION_IDS)


def test_a_region_id_never_denotes_two_territories():
    """An id lives in one unbroken span of years, and every change of territory that the
    crosswalk records ends the old id: the whole and its parts never share an id."""
    units = lay.units()
    assert units.index.is_unique
    cw = _layout_table("crosswalk")
    split = cw[cw["earlier_unit"] != cw["later_unit"]]
    for earlier in split["earlier_unit"].unique():
        # a unit that was split does not continue into the later layout under the same id
        later_layout = split.loc[split["earlier_unit"] == earlier, "later_layout"].iloc[0]
        assert earlier not in lay.layout_units(later_layout), earlier
    for unit, row in units.iterrows():
        present = [y for y in range(2010, 2026) if unit in lay.layout_units(lay.layout_of(y))]
        assert present == list(range(present[0], present[-1] + 1)), unit
    # same name, different territory, different id
    assert units.loc["east_kazakhstan", "name_en"] == units.loc["east_kazakhstan_2022", "name_en"]


def test_crosswalk_partitions_each_later_layout():
    cw = _layout_table("crosswalk")
    for earlier, later in (("kz16", "kz17"), ("kz17", "kz20")):
        rows = cw[(cw["earlier_layout"] == earlier) & (cw["later_layout"] == later)]
        assert sorted(rows["later_unit"]) == sorted(lay.layout_units(later))  # each once
        assert set(rows["earlier_unit"]) == set(lay.layout_units(earlier))   # covers all
    parts = lay.crosswalk("kz20", "kz16")
    assert sorted(parts[parts == "south_kazakhstan"].index) == ["shymkent", "turkestan"]
    assert sorted(parts[parts == "karaganda"].index) == ["karaganda_2022", "ulytau"]


@pytest.mark.parametrize("source, code, year, unit", [
    ("sdg", "KZYUZ", 2018, "turkestan"),
    ("sdg", "KZONT", 2017, "south_kazakhstan"),
    ("sdg", "KZSHY", 2023, "shymkent"),
    ("sdg", "KZABY", 2022, "abai"),
    ("sdg", "KZZHS", 2022, "jetisu"),
    ("sdg", "KZULU", 2022, "ulytau"),
    ("sdg", "KZVOS", 2021, "east_kazakhstan"),
    ("sdg", "KZVOS", 2022, "east_kazakhstan_2022"),
    ("bns_gva", "YKO", 2016, "south_kazakhstan"),
    ("bns_gva", "TRK", 2019, "turkestan"),
    ("bns_gva", "SHM", 2019, "shymkent"),
    ("bns_gva", "ABY", 2021, "abai"),
    ("bns_gva", "ZHT", 2021, "jetisu"),
    ("bns_gva", "ULT", 2021, "ulytau"),
    ("bns_gva", "KRG", 2021, "karaganda_2022"),
    ("bns_employed", "KRG", 2021, "karaganda"),
    ("bns_population", "ALM", 2010, "almaty_region_2022"),
    ("sdg_geocode", "KZ10", 2016, "south_kazakhstan"),
    ("kz17_boundaries", "KZ10", 2019, "turkestan"),
    ("kz17_boundaries", "KZ18", 2019, "shymkent"),
])
def test_source_codes_map_to_ids_by_year(source, code, year, unit):
    assert lay.source_unit(source, code, year) == unit


def test_a_reused_code_outside_its_years_is_refused():
    with pytest.raises(lay.LayoutError, match="KZYUZ.*2016"):
        lay.source_unit("sdg", "KZYUZ", 2016)
    with pytest.raises(lay.LayoutError, match="KZONT.*2018"):
        lay.source_unit("sdg", "KZONT", 2018)


def test_every_source_code_maps_to_one_unit_per_year_that_exists_then():
    table = _layout_table("source_codes")
    units = lay.units()
    for (source, code), rows in table.groupby(["source", "code"]):
        years = [y for _, r in rows.iterrows()
                 for y in range(int(r["first_year"]), int(r["last_year"] if pd.notna(r["last_year"]) else 2025) + 1)]
        assert len(years) == len(set(years)), (source, code)
        for unit in rows["unit_id"]:
            assert unit == "national" or unit in units.index, unit


# --- the resolver by year ---------------------------------------------------------------------

def test_resolver_by_year():
    assert itc.resolve_region("г. Шымкент", year=2019) == "shymkent"
    assert itc.resolve_region("Shymkent", year=2024) == "shymkent"
    assert itc.resolve_region("Туркестанская область", year=2018) == "turkestan"
    assert itc.resolve_region("Abai region", year=2022) == "abai"
    assert itc.resolve_region("Жетысуская область", year=2023) == "jetisu"
    assert itc.resolve_region("Ulytau", year=2025) == "ulytau"
    assert itc.resolve_region("East Kazakhstan", year=2021) == "east_kazakhstan"
    assert itc.resolve_region("East Kazakhstan", year=2022) == "east_kazakhstan_2022"
    assert itc.resolve_region("Karagand region", year=2016) == "karaganda"
    assert itc.resolve_region("Qaraghandy", year=2024) == "karaganda_2022"
    assert itc.resolve_region("Nur-Sultan", year=2020) == "astana"
    assert itc.resolve_region("KZ-YUZ", year=2016) == "south_kazakhstan"
    assert itc.resolve_region("KZ-YUZ", year=2019) == "turkestan"
    assert itc.resolve_region("Karagand region") == "karaganda"  # without a year: as before


def test_shymkent_in_2016_raises_the_error_naming_south_kazakhstan():
    with pytest.raises(PostReformRegionError) as err:
        itc.resolve_region("г. Шымкент", year=2016)
    assert err.value.parent == "south_kazakhstan"
    assert "South-Kazakhstan" in str(err.value)


def test_a_unit_outside_its_years_names_what_stands_in_its_place():
    with pytest.raises(lay.NotInLayoutError) as err:
        itc.resolve_region("South Kazakhstan", year=2019)
    assert err.value.replacements == ("turkestan", "shymkent")
    assert "2019" in str(err.value) and "turkestan, shymkent" in str(err.value)
    with pytest.raises(lay.NotInLayoutError) as err:
        itc.resolve_region("Abai", year=2019)
    assert err.value.replacements == ("east_kazakhstan",)
    with pytest.raises(UnknownRegionError, match="ambiguous"):
        itc.resolve_region("Almaty", year=2023)


def test_no_spelling_names_two_units_of_one_layout():
    for layout in lay.LAYOUTS[1:]:
        index = lay._spellings(layout)  # raises on a clash
        assert set(index.values()) == set(lay.layout_units(layout))


def test_moves_the_crosswalk_cannot_undo_are_recorded():
    moves = lay.territory_changes(undone=False)
    assert {(r.from_unit, r.to_unit) for r in moves.itertuples()} == \
        {("almaty_region", "almaty_city"), ("akmola", "astana")}


def test_the_length_cap_holds_in_every_layout():
    long_name = "Shymkent " * 120_000  # about 1 MB: refused before any matching
    for year in (2016, 2019, 2024):
        with pytest.raises(UnknownRegionError, match="too long"):
            lay.resolve_region(long_name, year=year)
