"""What notebook 10 says of a built index, in words: checked against the build's own tables."""
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import itclusters as itc
from itclusters import workbench as wb
from itclusters.framework import FRAMEWORKS
from itclusters.parameters import ParameterError

DATA = Path(__file__).parent / "data"

pytestmark = pytest.mark.slow  # the official indicators of every year, built and varied


@pytest.fixture(scope="module")
def official():
    raw = wb.official_indicators()
    return raw, itc.build_index(wb.OFFICIAL_FRAMEWORK, raw)


def test_official_indicators_are_complete_years_on_each_years_own_units(official):
    raw, _ = official
    years = sorted(set(raw.index.get_level_values("year")))
    assert years[-1] == 2023 and 2016 in years and 2015 not in years  # no employment in 2015
    assert raw.notna().all().all()
    for year, units in ((2016, "kz16"), (2019, "kz17"), (2023, "kz20")):
        assert sorted(raw.xs(year, level="year").index) == sorted(itc.layout_units(units))
    panel = itc.today.today_panel().xs(("astana", 2023))
    assert raw.loc[("astana", 2023), "manufacturing_share"] == pytest.approx(
        panel["manufacturing_share"] * 100)
    assert raw.loc[("astana", 2023), "rd_per_employed"] == panel["rd_per_employed"]


def test_the_step_table_says_what_the_log_holds(official):
    raw, result = official
    steps = wb.steps_in_words(result, 2023)
    assert list(steps.index) == list(wb.STEP_NAMES.values())
    assert steps.loc["Screening units by their data", "done"] == "all 20 units kept"
    assert steps.loc["Filling in missing values", "done"] == "nothing to fill in: no value is missing"
    treat = steps.loc["Treating outliers", "done"]
    log = result.log[(result.log["year"] == 2023) & (result.log["step"] == "treat")]
    for row in log[log["action"] == "winsorised"].itertuples():
        assert (f"{itc.display_name(row.region_id, year=2023)} pulled in from {row.before:,.0f} "
                f"to {row.after:,.0f}") in treat
    for code in set(log.loc[log["action"] == "log-transformed", "code"]):
        assert f"{wb.label(result.framework, code)}: logged for every unit" in treat
    assert steps.loc["Weighting", "done"].startswith("Innovative susceptibility: 3 parts, 33\u202f% each")
    words = " ".join(steps.to_numpy().ravel())
    assert not re.search(r"\b[a-z]+_[a-z_0-9]+\b|\bnan\b|\bNone\b", words)


def test_a_missing_value_is_told_filled_in_or_left(official):
    raw, _ = official
    holed = raw.copy()
    holed.loc[("abai", 2023), "internet_users"] = np.nan
    filled = itc.build_index(wb.OFFICIAL_FRAMEWORK, holed)
    mean = holed.xs(2023, level="year")["internet_users"].mean()
    assert wb.steps_in_words(filled, 2023).loc["Filling in missing values", "done"] == \
        f"1 value filled in: Internet users of Abai ({mean:,.3g})"
    left = itc.build_index(itc.read_framework(wb.OFFICIAL_FRAMEWORK).with_methods(impute="none"),
                           holed)
    steps = wb.steps_in_words(left, 2023)
    assert steps.loc["Filling in missing values", "done"] == "nothing filled in: 1 value stays missing"
    assert steps.loc["Aggregating", "done"].endswith("19 units; no index for Abai")


def test_choices_leave_out_what_the_data_cannot_take(official):
    _, result = official
    assert wb.choices_for(result) == {"treat": ["jrc", "none"],
                                      "normalise": ["minmax", "rank", "percentile"],
                                      "weighting": ["manual", "pca"],
                                      "aggregate": ["arithmetic", "geometric"]}
    article = itc.build_index(FRAMEWORKS / "article.yaml",
                              itc.read_indicators(DATA / "clean_long.csv"))
    choices = wb.choices_for(article)
    assert choices["normalise"][0] == "leader"   # the framework's own method first
    assert "impute" in choices                   # the fixture has a missing cell


def test_findings_are_the_builds_numbers(official):
    raw, result = official
    index = result.index.xs(2023, level="year")
    ranked = index.sort_values(ascending=False)
    sentences = wb.findings_of(result, 2023)
    assert sentences[0] == (
        f"In 2023, the index puts "
        f"**{itc.display_name(ranked.index[0])}** first with {ranked.iloc[0]:.1f}, ahead of "
        f"**{itc.display_name(ranked.index[1])}** ({ranked.iloc[1]:.1f}); "
        f"**{itc.display_name(ranked.index[-1])}** is last with {ranked.iloc[-1]:.1f}, of 20 units.")
    pulled = result.log[(result.log["year"] == 2023) & (result.log["action"] == "winsorised")]
    assert sentences[1].startswith(f"Before normalising, {len(pulled)} outlying values were "
                                   f"pulled in")


def test_the_comparison_with_table1_only_for_its_years_and_regions(official):
    _, result = official
    assert wb.compare_with_article(result, 2023) is None
    assert wb.compare_with_article(result, 2014) is None  # no Table 1 for 2014
    table = wb.compare_with_article(result, 2016)
    published = itc.paper_table(1)["index"].xs(2016, level="year")
    one = table.xs(2016, level="year")
    pd.testing.assert_series_equal(one["index_a"], published.reindex(one.index),
                                   check_names=False)
    assert (one["rank_change"] == one["rank_a"] - one["rank_b"]).all()


def test_a_framework_parameter_is_a_shipped_name_or_a_file(tmp_path):
    assert wb.check_framework_file("framework_file", "open_data.yaml") == \
        FRAMEWORKS / "open_data.yaml"
    mine = tmp_path / "mine.yaml"
    mine.write_text("x", encoding="utf-8")
    assert wb.check_framework_file("framework_file", str(mine)) == mine
    with pytest.raises(ParameterError, match=r"framework_file 12 is not a file name; allowed: a "
                                             r"path to a \.yaml file, or article\.yaml"):
        wb.check_framework_file("framework_file", 12)
    with pytest.raises(ParameterError, match="is not a .yaml or .yml file"):
        wb.check_framework_file("framework_file", str(DATA / "clean_long.csv"))


def test_the_official_framework_refuses_a_table_without_its_indicators():
    fw = itc.read_framework(FRAMEWORKS / "article.yaml")
    with pytest.raises(ParameterError, match=r"framework_file 'article.yaml' names indicators "
                                             r"the suite's official statistics do not hold: "
                                             r"J_D, J_E, J_F, J_A, J_B, J_C \(they hold"):
        wb.read_data(fw)
    raw, said = wb.read_data(fw, str(DATA / "kz20_2023.csv"))
    assert "kazakhstan" not in raw.index.get_level_values("region_id")
    assert len(raw) == 20 and said.startswith("Read kz20_2023.csv: long layout")


def test_the_open_data_framework_reads_notebook_07s_composite():
    from itclusters.today import official_composite

    raw, said = wb.read_data(itc.read_framework(FRAMEWORKS / "open_data.yaml"))
    pd.testing.assert_frame_equal(raw, official_composite()[0])
    assert said.endswith("on the regions of that year: 2010–2014 and 2016, the years in which "
                         "every indicator exists for every unit.")
