"""User tables on today's region layouts (issue 20, items 1 and 6; issue 25, item 3).

The resolver knows, per layout, the spellings of ``data/layouts/spellings.csv`` (2021 and 2018
Kazakh Latin, the bureau's abbreviations, ISO 3166-2 codes of both generations, KATO codes, total
rows); ``read_indicators`` reads each year's names on that year's layout.
"""
import random
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import itclusters as itc
from itclusters import layouts as lay
from itclusters.regions import UnknownRegionError
from itclusters.userdata import IndicatorTableError, indicator_template, read_indicators

DATA = Path(__file__).resolve().parent / "data"
ROOT = DATA.parents[1]
CODES = ["J_A", "J_B", "J_C", "J_D", "J_E", "J_F"]


# --- one region model ---------------------------------------------------------------------------

def test_the_16_region_registry_is_the_kz16_layout_of_the_data():
    regions_module = sys.modules["itclusters.regions"]
    assert itc.REGION_IDS == lay.layout_units("kz16")
    table = lay.units()
    for region in regions_module._REGISTRY:
        assert region.name_en == table.loc[region.id, "name_en"]
        assert region.name_ru == table.loc[region.id, "name_ru"]
        assert region.iso_3166_2 == table.loc[region.id, "iso_3166_2"]
    # no hand-written list of units or spellings left in the module
    source = Path(regions_module.__file__).read_text(encoding="utf-8")
    assert 'Region("akmola"' not in source and '"Zhetysu"' not in source


def test_layout_tables_are_read_without_the_data_module():
    import itclusters._tables as tables
    assert tables.layout_table("units").shape[0] == 24
    assert tables.project_root() == ROOT
    layouts_source = Path(lay.__file__).read_text(encoding="utf-8")
    assert "from .data import" not in layouts_source


# --- each spelling family --------------------------------------------------------------------------

@pytest.mark.parametrize("spelling, year, expected", [
    # the 2021 Kazakh Latin alphabet
    ("Atyraý oblysy", 2023, "atyrau"),
    ("Qaraǵandy oblysy", 2023, "karaganda_2022"),
    ("Qaraǵandy oblysy", 2019, "karaganda"),
    ("Shyǵys Qazaqstan oblysy", 2024, "east_kazakhstan_2022"),
    ("Abaı oblysy", 2023, "abai"),
    ("Túrkistan oblysy", 2019, "turkestan"),
    ("Jetisý oblysy", 2022, "jetisu"),
    ("Ulytaý oblysy", 2025, "ulytau"),
    ("Mańǵystaý oblysy", 2016, "mangystau"),
    ("Qostanaı oblysy", 2016, "kostanay"),
    ("Ońtústik Qazaqstan oblysy", 2016, "south_kazakhstan"),
    # the 2018 apostrophe Latin
    ("Aqto'be oblysy", 2016, "aktobe"),
    ("Qarag'andy oblysy", 2020, "karaganda"),
    ("S'yg'ys Qazaqstan oblysy", 2023, "east_kazakhstan_2022"),
    ("Tu'rkistan oblysy", 2018, "turkestan"),
    ("Atyray' oblysy", 2019, "atyrau"),
    ("S'ymkent qalasy", 2019, "shymkent"),
    # the bureau's abbreviations
    ("Астана қ.", 2023, "astana"),
    ("г.Алматы", 2016, "almaty_city"),
    ("Алматы қ.", 2024, "almaty_city"),
    ("Шымкент қ.", 2019, "shymkent"),
    ("г.Шымкент", 2024, "shymkent"),
    ("Алматинская обл.", 2019, "almaty_region"),
    ("Алматинская обл.", 2023, "almaty_region_2022"),
    ("Абайская обл.", 2023, "abai"),
    ("Восточно-Казахстанская обл.", 2016, "east_kazakhstan"),
    # ISO 3166-2, alphabetic (to 2022) and numeric (since 29 November 2022)
    ("KZ-AKM", 2016, "akmola"),
    ("KZ-VOS", 2020, "east_kazakhstan"),
    ("KZ-SHY", 2019, "shymkent"),
    ("KZ-11", 2023, "akmola"),
    ("KZ-63", 2023, "east_kazakhstan_2022"),
    ("KZ-10", 2022, "abai"),
    ("KZ-79", 2024, "shymkent"),
    # KATO: the first two digits and the nine-digit code
    ("11", 2016, "akmola"),
    ("110000000", 2023, "akmola"),
    ("51", 2016, "south_kazakhstan"),
    ("61", 2019, "turkestan"),
    ("63", 2019, "east_kazakhstan"),
    ("630000000", 2023, "east_kazakhstan_2022"),
    ("790000000", 2019, "shymkent"),
    ("100000000", 2023, "abai"),
    ("710000000", 2010, "astana"),
])
def test_each_spelling_family_resolves_to_its_unit(spelling, year, expected):
    assert itc.resolve_region(spelling, year=year) == expected
    assert itc.resolve_region(spelling, layout=lay.layout_of(year)) == expected


@pytest.mark.parametrize("total", [
    "Республика Казахстан, всего", "Republic of Kazakhstan, total", "Қазақстан Республикасы",
    "Республика Казахстан", "Kazakhstan, total", "Qazaqstan Respýblikasy",
])
def test_total_rows_resolve_to_national_in_every_layout(total):
    for year in (2016, 2019, 2023):
        assert itc.resolve_region(total, year=year) == "national"


@pytest.mark.parametrize("code, year, hint", [
    ("KZ-11", 2019, "KZ-AKM"),   # numeric code before it existed
    ("KZ-63", 2016, "KZ-VOS"),
    ("KZ-AKM", 2023, "KZ-11"),   # alphabetic code after it was replaced
    ("KZ-VOS", 2024, "KZ-63"),
    ("KZ-YUZ", 2023, "KZ-61"),
    ("KZ-SHY", 2023, "KZ-79"),
])
def test_an_iso_code_never_crosses_its_generation(code, year, hint):
    with pytest.raises(UnknownRegionError) as err:
        itc.resolve_region(code, year=year)
    assert code in str(err.value) and hint in str(err.value) and str(year) in str(err.value)


@pytest.mark.parametrize("year", ["abc", 2018.9, True, [2018]])
def test_a_year_that_is_not_a_whole_number_is_refused(year):
    with pytest.raises(ValueError, match=r"year.*whole number"):
        itc.resolve_region("Akmola", year=year)


def test_a_layout_that_does_not_exist_is_refused():
    with pytest.raises(ValueError, match=r"layout 'kz18'.*kz16, kz17, kz20"):
        itc.resolve_region("Akmola", layout="kz18")


def test_the_refusal_of_a_later_unit_never_advises_summing():
    with pytest.raises(UnknownRegionError) as err:
        itc.resolve_region("Shymkent")
    message = str(err.value)
    assert "sum" not in message.casefold()
    assert "harmonise" in message and "year" in message


# --- property-based: every registered form, every year -------------------------------------------

_SPELLINGS_CSV = ROOT / "data" / "layouts" / "spellings.csv"
SPELLINGS = (pd.read_csv(_SPELLINGS_CSV, dtype=str, keep_default_na=False)
             if _SPELLINGS_CSV.exists() else  # the test of the table says it is missing
             pd.DataFrame({"unit_id": ["akmola"], "form": ["Aqmola oblysy"], "family": ["latin_2021"],
                           "layouts": [""]}))


def _layouts_of(row) -> list[str]:
    if row["unit_id"] == "national":
        return list(lay.LAYOUTS)
    valid = [layout for layout in lay.LAYOUTS if row["unit_id"] in lay.layout_units(layout)]
    if row["layouts"]:
        valid = [layout for layout in valid if layout in row["layouts"].split("|")]
    return valid


FORMS = [(row["form"], row["unit_id"], layout)
         for _, row in SPELLINGS.iterrows() for layout in _layouts_of(row)]


def _jumble(text: str, rng: random.Random) -> str:
    letters = [ch.upper() if rng.random() < 0.4 else ch.lower() for ch in text]
    jumbled = "".join(letters).replace(" ", rng.choice([" ", "  ", "\t", " \u00a0"]))
    return rng.choice(["", " ", "  ", "\t"]) + jumbled + rng.choice(["", " ", "   "])


def test_the_spellings_table_holds_every_family():
    assert set(SPELLINGS.columns) >= {"unit_id", "form", "family", "layouts"}
    assert {"latin_2021", "latin_2018", "bureau", "iso_alpha", "iso_numeric", "kato",
            "total"} <= set(SPELLINGS["family"])
    assert "spellings.csv" in (ROOT / "data" / "layouts" / "README.md").read_text(encoding="utf-8")


@settings(max_examples=400, deadline=None)
@given(pick=st.sampled_from(FORMS), seed=st.integers(0, 2**32 - 1))
def test_any_registered_form_with_random_case_and_spacing_resolves_to_its_unit(pick, seed):
    form, unit, layout = pick
    text = _jumble(form, random.Random(seed))
    assert itc.resolve_region(text, layout=layout) == unit, (text, layout)


@settings(max_examples=400, deadline=None)
@given(pick=st.sampled_from(FORMS), year=st.integers(2010, 2025), seed=st.integers(0, 2**32 - 1))
def test_nothing_resolves_to_a_unit_of_the_wrong_year(pick, year, seed):
    form = pick[0]
    text = _jumble(form, random.Random(seed))
    try:
        found = itc.resolve_region(text, year=year)
    except UnknownRegionError:
        return
    assert found == "national" or found in lay.layout_units(lay.layout_of(year)), (text, year, found)


# --- read_indicators on each year's layout --------------------------------------------------------

def test_a_20_unit_table_of_2023_reads_as_the_20_units():
    table = read_indicators(DATA / "kz20_2023.csv")
    ids = set(table.index.get_level_values("region_id"))
    assert ids == set(lay.layout_units("kz20")) and len(ids) == 20
    assert table.attrs["region_layout"] == "kz20"
    assert "20 regions x 1 year (2023)" in table.attrs["summary"]
    # "East-Kazakhstan" of 2023 is the reduced unit, and the reader says so
    assert "east_kazakhstan_2022" in ids and "east_kazakhstan" not in ids
    taken = " ".join(table.attrs["names_taken"])
    assert "East-Kazakhstan" in taken and "east_kazakhstan_2022" in taken
    assert "east_kazakhstan_2022" in table.attrs["summary"]
    # the bureau's total row is skipped, not read as a unit
    assert any("national total" in why for _, why in table.attrs["skipped_rows"])
    # scientific notation is a number
    assert table.loc[("ulytau", 2023), "J_A"] == pytest.approx(4.5e-4)


def _kz20_lines() -> list[str]:
    return (DATA / "kz20_2023.csv").read_text(encoding="utf-8").splitlines()


def test_scientific_notation_is_a_number(indicator_csv):
    def mutate(table):
        table.loc[0, "J_A"] = "4.50E-04"
        table.loc[1, "J_B"] = "1.2e3"
        return table
    table = read_indicators(indicator_csv(mutate))
    assert table.loc[("akmola", 2010), "J_A"] == pytest.approx(0.00045)
    assert table.loc[("akmola", 2016), "J_B"] == pytest.approx(1200.0)


def test_a_file_mixing_layouts_in_one_year_is_refused_naming_the_rows(tmp_path):
    lines = _kz20_lines()
    width = lines[0].count(",")  # the header's: the total row quotes a comma
    lines.append("South-Kazakhstan,2023" + ",1" * (width - 1))  # a unit of 2010-2017 only
    path = tmp_path / "mixed.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(IndicatorTableError) as err:
        read_indicators(path)
    message = str(err.value)
    assert str(path) in message and f"row {len(lines)}" in message
    assert "'South-Kazakhstan'" in message and "2023" in message
    assert "layout=" in message and "sum" not in message.casefold()


def test_the_16_old_names_in_2023_are_refused_unless_layout_is_forced(tmp_path, raw_indicators):
    table = raw_indicators.xs(2016, level="year").reset_index()
    table.insert(0, "region", [itc.region_name(r) for r in table.pop("region_id")])
    table.insert(1, "year", 2023)
    path = tmp_path / "old_names_2023.csv"
    table.to_csv(path, index=False)
    with pytest.raises(IndicatorTableError, match=r"row 12.*'South-Kazakhstan'.*layout='kz16'"):
        read_indicators(path)
    forced = read_indicators(path, layout="kz16")
    assert set(forced.index.get_level_values("region_id")) == set(itc.REGION_IDS)
    assert forced.attrs["region_layout"] == "kz16"


def test_a_unit_from_a_later_layout_in_an_earlier_year_names_its_row(tmp_path):
    lines = _kz20_lines()
    lines = [line.replace(",2023,", ",2019,") for line in lines]
    path = tmp_path / "kz20_in_2019.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(IndicatorTableError) as err:
        read_indicators(path)
    message = str(err.value)
    assert "'Abai'" in message and "2019" in message and "row " in message
    assert "sum" not in message.casefold()


def test_years_on_different_layouts_each_read_on_their_own(tmp_path, raw_indicators):
    old = raw_indicators.xs(2016, level="year").reset_index()
    old.insert(0, "region", [itc.region_name(r) for r in old.pop("region_id")])
    old.insert(1, "year", 2016)
    path = tmp_path / "two_layouts.csv"
    new = pd.read_csv(DATA / "kz20_2023.csv", dtype=str)
    pd.concat([old.astype(str), new]).to_csv(path, index=False)
    table = read_indicators(path)
    assert table.attrs["region_layout"] == {2016: "kz16", 2023: "kz20"}
    assert len(table.xs(2016, level="year")) == 16 and len(table.xs(2023, level="year")) == 20


def test_a_later_unit_in_an_article_year_is_refused_without_advice_to_sum(indicator_csv):
    def mutate(table):
        table.loc[3, "region"] = "Shymkent"
        return table
    with pytest.raises(IndicatorTableError) as err:
        read_indicators(indicator_csv(mutate))
    message = str(err.value)
    assert "row 5" in message and "'Shymkent'" in message
    assert "sum" not in message.casefold() and "harmonise" in message


def test_the_template_of_2023_offers_that_years_20_units(tmp_path):
    path = indicator_template(tmp_path / "t2023.csv", years=[2023])
    table = pd.read_csv(path)
    assert len(table) == 20
    names = set(table["region"])
    assert "South-Kazakhstan" not in names and {"Abai", "Jetisu", "Ulytau", "Shymkent"} <= names
    ids = {itc.resolve_region(n, year=2023) for n in names}
    assert ids == set(lay.layout_units("kz20"))


def test_iso_codes_of_the_spellings_are_those_of_units_csv():
    table = lay.units()
    iso = SPELLINGS[SPELLINGS["family"].isin(["iso_alpha", "iso_numeric"])]
    for unit, row in table.iterrows():
        codes = set(iso.loc[iso["unit_id"] == unit, "form"])
        assert codes == {c for c in (row["iso_3166_2"], row["iso_3166_2_2022"]) if c}, unit
    assert set(iso.loc[iso["family"] == "iso_numeric", "layouts"]) == {"kz20"}
    assert set(iso.loc[iso["family"] == "iso_alpha", "layouts"]) == {"kz16|kz17"}


def test_a_wide_table_reads_each_year_column_on_its_own_layout(tmp_path):
    kz20 = pd.read_csv(DATA / "kz20_2023.csv", dtype=str).iloc[1:]  # without the total row
    names = [*kz20["region"], "South-Kazakhstan"]
    lines = ["region,2016,2023"]
    for i, name in enumerate(names):
        unit = itc.resolve_region(name, year=2023) if name != "South-Kazakhstan" else None
        old = "" if unit in {"turkestan", "shymkent", "abai", "jetisu", "ulytau"} else f"{i + 1}.5"
        new = "" if name == "South-Kazakhstan" else f"{i + 2}.25"
        lines.append(f"{name},{old},{new}")
    for code in CODES:
        (tmp_path / f"{code}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = read_indicators(sorted(tmp_path.glob("J_*.csv")))
    assert table.attrs["region_layout"] == {2016: "kz16", 2023: "kz20"}
    assert set(table.xs(2016, level="year").index) == set(itc.REGION_IDS)
    assert set(table.xs(2023, level="year").index) == set(lay.layout_units("kz20"))
    # one row "East-Kazakhstan": two territories, one per year
    assert table.loc[("east_kazakhstan", 2016), "J_A"] == table.loc[("east_kazakhstan_2022", 2023), "J_A"] - 0.75


def test_an_unknown_layout_for_the_reader_names_what_is_allowed():
    with pytest.raises(IndicatorTableError, match=r"layout='kz18'.*'kz16', 'kz17', 'kz20'"):
        read_indicators(DATA / "kz20_2023.csv", layout="kz18")
