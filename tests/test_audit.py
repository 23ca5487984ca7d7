import numpy as np
import pytest

from itclusters import audit_table1, audit_table3, paper_table


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
