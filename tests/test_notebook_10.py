"""Notebook 10 (build your own index) runs for the article's last year on its 16 regions and for
2023 on today's 20 units; what it says is recomputed here from the library on the same inputs."""
import re
from pathlib import Path

import numpy as np
import papermill as pm
import pytest
from scipy import stats

import itclusters as itc
from itclusters import workbench as wb

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "10_build_your_index.ipynb"
DRAWS = 10_000  # the notebook's default: the whole notebook runs in seconds


def test_the_default_year_is_the_latest_with_every_official_indicator():
    latest = max(wb.official_indicators().index.get_level_values("year"))
    assert pm.inspect_notebook(str(NOTEBOOK))["year"]["default"] == str(latest) == "2023"


def _outputs(nb):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


def _markdown(outputs):
    return "".join(o["data"].get("text/markdown", "") for o in outputs if "data" in o)


def _visible(outputs):
    """The words a reader sees: Markdown and the tables' text, styles and tags left out."""
    html = "".join(o["data"].get("text/html", "") for o in outputs if "data" in o)
    html = re.sub(r"<style.*?</style>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", text + " " + _markdown(outputs))


@pytest.fixture(scope="module")
def built():
    fw = itc.read_framework(wb.OFFICIAL_FRAMEWORK)
    return fw, wb.official_indicators(), itc.build_index(fw, wb.official_indicators())


@pytest.mark.notebook
@pytest.mark.parametrize("year", [2016, 2023])
def test_runs_and_says_what_the_library_computes(executed, built, year):
    outputs = _outputs(executed(NOTEBOOK, year=year))
    assert not [o for o in outputs if o.output_type == "error"]
    stderr = "".join(o.text for o in outputs if o.output_type == "stream" and o.name == "stderr")
    assert "Warning" not in stderr, stderr
    pictures = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(pictures) == 4  # the map, the rank intervals, the slope chart, the change map
    text, shown = _markdown(outputs), _visible(outputs)
    fw, raw, result = built

    # the units: every unit of the year by its name, none by its id
    ids = raw.xs(year, level="year").index
    assert len(ids) == {2016: 16, 2023: 20}[year]
    for name in itc.display_names(ids, year=year):
        assert name in shown, name
    if year == 2023:
        assert "Abai" in shown and "Karaganda (since 2022)" in shown
    assert not re.search(r"\b[a-z]+_[a-z_0-9]+\b", shown), re.findall(r"\b[a-z]+_[a-z_0-9]+\b",
                                                                      shown)[:5]
    assert not re.search(r"\b(NaN|nan|None|True|False)\b", shown)
    assert "No `indicators_file` given" not in shown
    assert f"In {year}: {len(ids)} units." in text

    # the leader and the last, with their values, as build_index gives them
    index = result.index.xs(year, level="year")
    first, last = index.idxmax(), index.idxmin()
    assert (f"puts **{itc.display_name(first, year=year)}** first with {index.max():.1f}"
            in text)
    assert f"**{itc.display_name(last, year=year)}** is last with {index.min():.1f}" in text
    assert f"of {index.notna().sum()} units" in text

    # the step table, with what treatment did to each winsorised point
    assert f"The steps of the build, {year}" in shown
    for step in wb.STEP_NAMES.values():
        assert step in shown
    log = result.log[(result.log["year"] == year) & (result.log["action"] == "winsorised")]
    assert len(log) == {2016: 1, 2023: 3}[year]
    for row in log.itertuples():
        assert (f"{itc.display_name(row.region_id, year=year)} pulled in from "
                f"{row.before:,.0f} to {row.after:,.0f}") in shown
    assert f"{len(log)} outlying value{'s were' if len(log) > 1 else ' was'} pulled in" in text

    # the audit: Cronbach's alpha of each group, recomputed from the normalised scores
    scores = result.scores.xs(year, level="year")
    for group in ("susceptibility", "activity", "ict"):
        kids = scores[fw.children(group)]
        k = kids.shape[1]
        alpha = k / (k - 1) * (1 - kids.var(ddof=1).sum() / kids.sum(axis=1).var(ddof=1))
        assert f"Cronbach's alpha = {alpha:.2f}".replace("-", "\u2212") in shown, group

    # the sensitivity analysis: N (k + 2) runs of SALib's design, N a power of two
    k = 4  # treatment, normalisation, weighting, aggregation
    runs = 2 ** int(np.floor(np.log2(DRAWS / (k + 2)))) * (k + 2)
    assert f"Over {runs:,} builds" in text

    # the comparison: the article's Table 1 in 2016, a variant with ranked indicators in 2023
    if year == 2016:
        published = itc.paper_table(1)["index"].xs(2016, level="year").reindex(index.index)
        rho = stats.spearmanr(published, index).statistic
        assert f"Against the article's published index (Table 1, 2016): Spearman's rank " \
               f"correlation {rho:.2f}" in text
    else:
        variant = itc.build_index(fw.with_methods(normalise="rank"), raw)
        other = variant.index.xs(year, level="year").reindex(index.index)
        rho = stats.spearmanr(index, other).statistic
        assert f"Against the same framework with its indicators ranked: Spearman's rank " \
               f"correlation {rho:.2f}" in text


@pytest.mark.notebook
def test_a_misspelt_framework_stops_with_a_clear_message(tmp_path):
    with pytest.raises(pm.PapermillExecutionError) as err:
        pm.execute_notebook(str(NOTEBOOK), str(tmp_path / "out.ipynb"),
                            parameters={"framework_file": "oficial_today.yaml"},
                            kernel_name="python3", progress_bar=False, cwd=str(NOTEBOOK.parent))
    assert err.value.ename == "ParameterError"
    assert err.value.evalue.startswith("framework_file 'oficial_today.yaml' is neither a file "
                                       "nor one of the suite's frameworks; allowed:")
    assert "official_today.yaml" in err.value.evalue


@pytest.mark.notebook
def test_the_users_table_with_the_articles_framework_gives_innovation_index(executed):
    user_file = ROOT / "tests" / "data" / "clean_long.csv"  # J_A ... J_F for 2015 and 2017
    outputs = _outputs(executed(NOTEBOOK, framework_file="article.yaml",
                                indicators_file=str(user_file), year=2017, draws=1000))
    assert not [o for o in outputs if o.output_type == "error"]
    text, shown = _markdown(outputs), _visible(outputs)
    assert "Read clean_long.csv: long layout" in text and "In 2017: 16 units." in text
    index = itc.innovation_index(itc.read_indicators(user_file))["index"].xs(2017, level="year")
    assert (f"puts **{itc.display_name(index.idxmax())}** first with {index.max():.1f}" in text)
    assert "Formulas (2)" not in shown and "Percentage of the year's leader" not in shown
    assert "percentage of the year's leader (the article's formula 1)" in shown
    # no Table 1 for 2017: the variant with ranked indicators stands beside it
    assert "Against the same framework with its indicators ranked" in text
