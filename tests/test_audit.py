import numpy as np
import pytest

from itclusters import audit_table1, audit_table3, consistent_cuts, paper_table
from itclusters.audit import denominator_subsets


def test_table3_2010_reproduced_to_three_decimals_without_pavlodar():
    audit = audit_table3()
    y2010 = audit.xs(2010, level="year")
    printed = y2010[y2010["published"].notna()]
    assert len(printed) == 10
    assert (printed["recomputed"].round(3) == printed["published"]).all()
    assert audit.attrs["denominator"][2010] == pytest.approx(16_501.5)
    assert audit.attrs["column_sum"][2010] == pytest.approx(16_554.6)
    # with Pavlodar in the total, Almaty city would be 0.681, not the printed 0.683
    assert round(y2010.loc["almaty_city", "recomputed_all"], 3) == 0.681
    assert not y2010.loc["pavlodar", "reproduced"]


def test_table3_2016_implies_an_unprinted_national_total():
    audit = audit_table3()
    low, high = audit.attrs["implied_national_total"][2016]
    assert 33_250 <= low < high <= 33_272
    assert round(low) == 33_251 and round(high) == 33_271
    y2016 = audit.xs(2016, level="year")
    printed = y2016[y2016["published"].notna()]
    assert len(printed) == 11
    # every printed 2016 value is reproduced by any total inside the interval
    mid = (low + high) / 2
    assert ((printed["it_production"] / mid).round(3) == printed["published"]).all()
    # ... and by none of the column sum
    assert not (printed["recomputed"].round(3) == printed["published"]).all()


def test_stated_totals_disagree_with_table_sums():
    attrs = audit_table3().attrs
    assert attrs["table2_sum"] == pytest.approx(211_454.9, abs=0.05)
    assert attrs["stated_totals"]["2010-2016"] == 120_300.0
    assert attrs["column_sum"][2016] == pytest.approx(38_269.1, abs=0.05)
    assert attrs["stated_totals"]["2016"] == 36_500.0


def test_table1_audit_agrees_on_all_letters_and_ranks_per_year():
    audit = audit_table1()
    assert audit["agrees"].all()
    assert audit.loc[("almaty_city", 2016), "rank"] == 1
    assert audit.loc[("astana", 2016), "rank"] == 2
    assert sorted(audit.xs(2010, level="year")["rank"]) == list(range(1, 17))


def _brute_force_subsets(year):
    """Independent of the library's bit masks: itertools over the regions with a value."""
    import itertools

    x = paper_table(2)["it_production"].xs(year, level="year").dropna()
    v = paper_table(3)["ksi"].xs(year, level="year").dropna()
    found = []
    for k in range(1, len(x) + 1):
        for subset in itertools.combinations(sorted(x.index), k):
            total = sum(x[r] for r in subset)
            if all(abs(round(x[r] / total, 3) - v[r]) < 1e-9 for r in v.index):
                found.append((subset, round(total, 1)))
    return found


def test_subset_search_finds_the_four_regions_of_2016():
    found = denominator_subsets(2016)
    assert found.attrs["searched"] == 2 ** 16 and found.attrs["searched_known"] == 2 ** 11
    assert len(found) == 1 and found.attrs["reproducing"] == 1
    row = found.iloc[0]
    assert set(row["regions"]) == {"south_kazakhstan", "north_kazakhstan", "astana", "almaty_city"}
    assert row["total"] == pytest.approx(861.8 + 4774.4 + 7464.8 + 20152.4)
    assert round(row["total"], 1) == 33_253.4
    assert len(row["printed_left_out"]) == 7 and not row["contains_every_printed"]
    # the four-region total lies inside the interval of single totals the printed values allow
    low, high = audit_table3().attrs["implied_national_total"][2016]
    assert low < row["total"] < high
    # reading "—" as zero would only repeat each total 2**5 times
    assert found.attrs["reproducing_dash_as_zero"] == 2 ** 5
    assert [(tuple(r), round(t, 1)) for r, t in zip(found["regions"], found["total"])] == \
        _brute_force_subsets(2016)


def test_subset_search_2010_only_the_printed_regions_contain_all_printed():
    found = denominator_subsets(2010)
    assert sorted(round(t, 1) for t in found["total"]) == [16_501.4, 16_501.5, 16_507.7, 16_507.8]
    complete = found[found["contains_every_printed"]]
    assert len(complete) == 1 and complete["total"].iloc[0] == pytest.approx(16_501.5)
    assert sorted((tuple(r), round(t, 1)) for r, t in zip(found["regions"], found["total"])) == \
        sorted(_brute_force_subsets(2010))


def test_subset_search_on_a_made_up_column():
    import pandas as pd

    index = pd.MultiIndex.from_product([["a", "b", "c"], [2000]], names=["region_id", "year"])
    t2 = pd.DataFrame({"it_production": [1.0, 3.0, 4.0]}, index=index)
    # 1 / 4 and 3 / 4: only {a, b} gives 4; {c} alone also gives 4 but leaves a and b out
    t3 = pd.DataFrame({"ksi": [0.25, 0.75, None]}, index=index)
    found = denominator_subsets(2000, t2, t3)
    assert sorted(found["regions"]) == [("a", "b"), ("c",)]
    assert found.set_index("regions").loc[[("a", "b")], "contains_every_printed"].all()
    # a printed share for a region without a value can never be reproduced
    t2_missing = t2.assign(it_production=[1.0, None, 4.0])
    assert denominator_subsets(2000, t2_missing, t3).empty


def test_paper_readme_states_the_computed_subset_and_cut_intervals():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "data" / "paper" / "README.md").read_text()
    found = denominator_subsets(2016)
    assert f"{found['total'].iloc[0]:,.1f}" in readme  # 33,253.4
    assert "no subset that contains every region with a\n    printed value" in readme
    t1 = paper_table(1)
    for boundary, (above, at_most) in consistent_cuts(t1["index"], t1["grade"]).iterrows():
        lower, upper = boundary.split("|")
        assert f"| {lower} \\| {upper} | ({above:.2f}, {at_most:.2f}] |" in readme


def test_project_readme_states_the_computed_cut_intervals():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    t1 = paper_table(1)
    text = " ".join(readme.split())
    for boundary, (above, at_most) in consistent_cuts(t1["index"], t1["grade"]).iterrows():
        assert f"{boundary} ({above:.2f}, {at_most:.2f}]" in text
    assert "C below 20" not in text


def test_subset_findings_are_sentences_computed_from_the_search():
    from itclusters import display_name
    from itclusters.audit import describe_subsets

    text = describe_subsets(denominator_subsets(2016))
    for rid in ("south_kazakhstan", "north_kazakhstan", "astana", "almaty_city"):
        assert display_name(rid) in text  # the names of the tables, "Almaty city"
    assert "Almaty (city)" not in text
    assert "33,253.4 million KZT" in text and "leaving out 7 of the 11" in text
    assert "no subset that contains every region with a printed value reproduces" in text
    text_2010 = describe_subsets(denominator_subsets(2010))
    assert "4 reproduce all 10 printed values" in text_2010
    assert "Only one of them contains every region with a printed value (16,501.5" in text_2010


def test_subset_search_refuses_an_unsearchable_table():
    import pandas as pd

    index = pd.MultiIndex.from_product([[f"r{i}" for i in range(21)], [2000]],
                                       names=["region_id", "year"])
    t2 = pd.DataFrame({"it_production": 1.0}, index=index)
    t3 = pd.DataFrame({"ksi": 1 / 21}, index=index)
    with pytest.raises(ValueError, match="21 regions: searching all 2\\*\\*21 subsets"):
        denominator_subsets(2000, t2, t3)
