"""The 17-unit boundaries of 2018-2021, repaired; boundaries per layout; maps of each layout."""
import matplotlib
import pytest

matplotlib.use("Agg")

import geopandas  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

import itclusters as itc  # noqa: E402
from itclusters import _boundaries  # noqa: E402
from itclusters.data import boundaries, official_current, project_root  # noqa: E402

SOURCE = project_root() / "shapefiles" / "source" / "kz17_2018_2021_sdg_platform.geojson"


def test_the_published_file_has_the_defects_its_provenance_records():
    report = _boundaries.repair_report(geopandas.read_file(SOURCE))
    assert report["invalid"] == 3
    assert report["area_km2"] - report["union_km2"] == pytest.approx(5171, abs=1)


def test_repaired_kz17_is_valid_without_overlaps_or_gaps():
    frame = boundaries("kz17")
    report = _boundaries.repair_report(frame)
    assert report["invalid"] == 0
    assert report["overlap_max_km2"] <= 1.0
    assert report["overlap_total_km2"] <= 1.0
    assert report["gaps"] == 0
    assert report["area_km2"] == pytest.approx(report["union_km2"], abs=1.0)
    assert list(frame.index) == list(itc.layout_units("kz17"))
    km2 = frame.geometry.to_crs(_boundaries.AREA_CRS).area / 1e6
    assert km2["shymkent"] == pytest.approx(1165.1, abs=0.5)
    assert km2["astana"] == pytest.approx(716.4, abs=0.5)
    assert km2["turkestan"] == pytest.approx(116218.2, abs=1)


def test_the_repair_itself_removes_the_overlaps():
    repaired = _boundaries.repair(geopandas.read_file(SOURCE))
    report = _boundaries.repair_report(repaired)
    assert report["invalid"] == 0 and report["overlap_max_km2"] <= 1.0


def test_kz16_boundaries_unchanged_and_kz20_needs_a_users_file(tmp_path):
    assert list(boundaries().index) == list(itc.REGION_IDS)
    with pytest.raises(FileNotFoundError, match="harmonise"):
        boundaries("kz20")
    path = tmp_path / "mine.geojson"
    boundaries("kz17").reset_index().to_file(path, driver="GeoJSON")
    with pytest.raises(ValueError, match="kz20 layout has"):
        boundaries("kz20", path=path)


def test_a_users_20_unit_file_is_read_by_name(tmp_path):
    """A synthetic file (each split unit drawn as two halves of its box): names are resolved
    in the layout of 2022, so "East Kazakhstan" is east_kazakhstan_2022."""
    from shapely.geometry import box

    kz17 = boundaries("kz17")
    rows = []
    halves = {"east_kazakhstan": ("East Kazakhstan", "Abai"),
              "almaty_region": ("Almaty region", "Jetisu"),
              "karaganda": ("Karaganda", "Ulytau")}
    for rid, row in kz17.iterrows():
        if rid in halves:
            x0, y0, x1, y1 = row.geometry.bounds
            xm = (x0 + x1) / 2
            rows += [(halves[rid][0], box(x0, y0, xm, y1)), (halves[rid][1], box(xm, y0, x1, y1))]
        else:
            rows.append((row["name_ru"], row.geometry))
    path = tmp_path / "kz20.geojson"
    geopandas.GeoDataFrame({"name": [r[0] for r in rows]}, geometry=[r[1] for r in rows],
                           crs=4326).to_file(path, driver="GeoJSON")
    frame = boundaries("kz20", path=path)
    assert list(frame.index) == list(itc.layout_units("kz20"))
    assert frame.loc["east_kazakhstan_2022", "name_en"] == "East-Kazakhstan"


def test_a_kz17_map_marks_three_cities_and_credits_the_bureau():
    values = official_current("ict_gva")["value"].xs(2019, level="year").drop("national")
    ax = itc.choropleth(values, title="2019", units="million KZT")
    gids = {a.get_gid() for a in ax.collections}
    assert {"city:astana", "city:almaty_city", "city:shymkent"} <= gids
    labels = {t.get_gid(): t.get_text() for t in ax.texts}
    assert labels["label:shymkent"] == "Shymkent" and labels["label:turkestan"] == "Turkestan"
    assert "SDG platform" in labels["credit"]
    assert ax.get_aspect() == 1.0
    plt.close(ax.figure)


def test_kz20_values_go_on_the_kz17_map_after_harmonising():
    values = official_current("ict_gva")["value"].xs(2024, level="year")
    with pytest.raises(FileNotFoundError, match="harmonise"):
        itc.choropleth(values.drop("national"))
    ax = itc.choropleth(itc.harmonise(values, to="kz17").drop("national"))
    assert len(ax._itclusters_ids) == 17
    plt.close(ax.figure)


def test_maps_on_two_boundary_files_have_one_credit_line_naming_each_file_once():
    # 2010 and 2016 on Natural Earth's 16 regions, 2025 (20 units) harmonised onto the 17-unit
    # map: one line, "Boundaries" said once, each file credited once with its years
    from itclusters import today

    panel, panel_kz17 = today.today_panel(), today.today_panel("kz17")
    values, harmonised = today.for_maps("ict_share", [2010, 2016, 2025], panel, panel_kz17)
    assert harmonised == [2025]
    fig = itc.small_multiples(values, [2010, 2016, 2025], scheme="quantiles", k=5,
                              units="% of national ICT GVA", source="BNS, GVA by region")
    line = fig.get_supxlabel()
    assert line == ("One set of classes for all maps. Source: BNS, GVA by region. Boundaries — "
                    "2010 and 2016: Made with Natural Earth; 2025: BNS of Kazakhstan, SDG "
                    "platform (repaired).")
    assert line.count("Boundaries") == 1 and line.count("Natural Earth") == 1
    texts = [t.get_text() for ax in fig.axes for t in ax.texts] + [fig.get_suptitle()]
    assert not [t for t in texts if "Boundaries" in t or "Natural Earth" in t]  # no second line
    plt.close(fig)
    # maps all on one file keep the one-file line
    fig = itc.small_multiples(values, [2010, 2016], scheme="quantiles", k=5,
                              units="% of national ICT GVA")
    assert fig.get_supxlabel().endswith("Boundaries: Made with Natural Earth.")
    plt.close(fig)
