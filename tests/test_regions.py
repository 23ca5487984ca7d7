import pytest

from itclusters import REGION_IDS, PostReformRegionError, UnknownRegionError, regions, resolve_region


@pytest.mark.parametrize("spelling, expected", [
    ("Karagand region", "karaganda"),
    ("Qaraghandy", "karaganda"),
    ("Карагандинская область", "karaganda"),
    ("Қарағанды облысы", "karaganda"),
    ("South-Kazakhstan", "south_kazakhstan"),
    ("South-Kazakhstan region", "south_kazakhstan"),
    ("Ontustik Kazakhstan", "south_kazakhstan"),
    ("Южно-Казахстанская область", "south_kazakhstan"),
    ("Astana city", "astana"),
    ("Nur-Sultan", "astana"),
    ("город Астана", "astana"),
    ("Almaty (city)", "almaty_city"),
    ("Almaty city", "almaty_city"),
    ("Almaty City", "almaty_city"),
    ("г. Алматы", "almaty_city"),
    ("Almaty region", "almaty_region"),
    ("Almaty (region)", "almaty_region"),
    ("Алматинская область", "almaty_region"),
    ("Aqtöbe", "aktobe"),
    ("Аktobе", "aktobe"),  # Cyrillic look-alike letters, as in the BNS workbook
    ("Batys Kazakhstan", "west_kazakhstan"),
    ("Soltustik Кazakhstan", "north_kazakhstan"),
    ("Shygys Kazakhstan", "east_kazakhstan"),
    ("KZ-KUS", "kostanay"),
    ("  mangystau  ", "mangystau"),
])
def test_resolves_common_spellings(spelling, expected):
    assert resolve_region(spelling) == expected


def test_every_registry_name_resolves_to_itself():
    table = regions()
    for rid, row in table.iterrows():
        for column in ("name_en", "name_kk", "name_ru", "iso_3166_2"):
            assert resolve_region(row[column]) == rid
    assert list(table.index) == list(REGION_IDS)
    assert len(set(table["iso_3166_2"])) == 16


def test_unknown_name_names_it_and_suggests_ids():
    with pytest.raises(UnknownRegionError) as err:
        resolve_region("Karaganda oblastt city of nowhere")
    with pytest.raises(UnknownRegionError) as err:
        resolve_region("Kostnay")
    message = str(err.value)
    assert "'Kostnay'" in message and "kostanay" in message.split("Known ids")[0]


def test_bare_almaty_is_ambiguous():
    with pytest.raises(UnknownRegionError, match="ambiguous.*almaty_city.*almaty_region"):
        resolve_region("Almaty")


def test_city_word_does_not_turn_an_oblast_into_a_city():
    with pytest.raises(UnknownRegionError):
        resolve_region("Karaganda city")


@pytest.mark.parametrize("spelling, parent", [
    ("Shymkent", "south_kazakhstan"),
    ("Shymkent city", "south_kazakhstan"),
    ("Turkestan region", "south_kazakhstan"),
    ("Туркестанская область", "south_kazakhstan"),
    ("Abai region", "east_kazakhstan"),
    ("Jetisu", "almaty_region"),
    ("Ulytau region", "karaganda"),
])
def test_post_reform_units_are_explained(spelling, parent):
    with pytest.raises(PostReformRegionError) as err:
        resolve_region(spelling)
    assert err.value.parent == parent
    assert parent in str(err.value) and "2010-2016" in str(err.value)
