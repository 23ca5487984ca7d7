"""What notebook 10 ("Build your own index") and the fifth seminar handout say of a built index.

A built index (:func:`~itclusters.build_index`) keeps every table and a log in codes: step
names, method names, indicator codes, region ids.  This module puts them in words for a reader:
the suite's official indicators as the default data (:func:`official_indicators`), what each step
did (:func:`steps_in_words`), the coherence verdicts with labels for codes
(:func:`coherence_in_words`), the choices a sensitivity analysis can vary for a framework
(:func:`choices_for`), what they did to the ranks (:func:`choice_effects`), the comparison with
the article's published index (:func:`compare_with_article`) and the findings, sentences computed
from all of these (:func:`findings_of`).
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .framework import FRAMEWORKS, Framework, FrameworkError, read_framework
from ._checks import checked
from .presentation import PERCENT, display_name, display_names, format_value
from .ranking import extremes, join_names

__all__ = ["OFFICIAL_FRAMEWORK", "STEP_NAMES", "official_indicators", "method_in_words",
           "steps_in_words", "coherence_in_words", "choices_for", "choice_effects",
           "marked_individually", "check_framework_file", "metadata_of", "read_data", "compare_with_article", "label", "findings_of"]

#: The framework of the suite's official indicators on each year's own regions.
OFFICIAL_FRAMEWORK = FRAMEWORKS / "official_today.yaml"

#: Each step of the build as a reader names it.
STEP_NAMES = {"screen": "Screening units by their data", "impute": "Filling in missing values",
              "treat": "Treating outliers", "normalise": "Normalising",
              "weighting": "Weighting", "aggregate": "Aggregating"}

_METHODS = {
    ("screen", "none"): "none: every unit kept",
    ("screen", "coverage"): "a unit needs at least {min_coverage:.0%} of the indicators",
    ("impute", "none"): "none: a missing value stays missing",
    ("impute", "mean"): "the mean of the year's units",
    ("impute", "median"): "the median of the year's units",
    ("impute", "previous_year"): "the unit's latest earlier value",
    ("treat", "none"): "none",
    ("treat", "jrc"): ("the JRC rule: while skewness > {skewness:g} and kurtosis > {kurtosis:g}, "
                       "the extreme point is pulled in (up to {winsor_limit:g} points), else "
                       "the indicator is logged"),
    ("normalise", "leader"): "percentage of the year's leader (the article's formula 1)",
    ("normalise", "minmax"): "min–max: 0 for the year's lowest, 100 for its highest",
    ("normalise", "zscore"): "z-score: standard deviations from the year's mean",
    ("normalise", "rank"): "rank among the year's units (only the order counts)",
    ("normalise", "goalposts"): "position between two fixed goalposts, 0–100",
    ("normalise", "percentile"): "percentile among the year's units",
    ("weighting", "manual"): "the weights the framework declares (equal where none)",
    ("weighting", "equal"): "equal weights",
    ("weighting", "pca"): "from the first principal component of each group",
    ("weighting", "correlation"): "set so that each part correlates equally with its group",
    ("aggregate", "arithmetic"): "weighted arithmetic mean",
    ("aggregate", "geometric"): "weighted geometric mean (a low score is not offset)",
    ("aggregate", "harmonic"): "weighted harmonic mean",
    ("aggregate", "generalised"): "generalised mean of power {power:g}",
    ("aggregate", "copeland"): "Copeland score: units beaten minus units beaten by",
}

#: The short name of each method, for charts and sentences.
METHOD_NAMES = {"none": "none", "coverage": "by coverage", "mean": "mean", "median": "median",
                "previous_year": "previous year", "jrc": "JRC rule", "leader": "% of leader",
                "minmax": "min–max", "zscore": "z-score", "rank": "rank", "goalposts": "goalposts",
                "percentile": "percentile", "manual": "declared", "equal": "equal",
                "pca": "principal component", "correlation": "equal correlation",
                "arithmetic": "arithmetic", "geometric": "geometric", "harmonic": "harmonic",
                "generalised": "generalised", "copeland": "Copeland"}


@checked
def official_indicators() -> pd.DataFrame:
    """The indicators of ``official_today.yaml`` by ``(region_id, year)``, each year on the
    layout in force that year (16 units to 2017, 17 to 2021, 20 from 2022), for the years in
    which every indicator exists for every unit.  Manufacturing is in % of GRP.

    >>> raw = official_indicators()
    >>> max(raw.index.get_level_values("year")), len(raw.xs(2023, level="year"))
    (2023, 20)
    """
    from .layouts import NATIONAL
    from .today import today_panel

    fw = read_framework(OFFICIAL_FRAMEWORK)
    panel = today_panel().drop(NATIONAL, level="region_id")
    raw = panel[fw.indicators].copy()
    raw["manufacturing_share"] = raw["manufacturing_share"] * 100
    complete = raw.notna().all(axis=1).groupby(level="year").all()
    raw = raw[raw.index.get_level_values("year").isin(complete.index[complete])]
    raw.attrs = {"source": "Bureau of National Statistics of Kazakhstan"}
    return raw.sort_index()


@checked
def check_framework_file(name: str, value) -> "Path":
    """A framework file given as a parameter: one of the suite's by its name
    (``official_today.yaml``), or a path to a YAML file; returns its path.  Raises
    :class:`~itclusters.parameters.ParameterError` naming the value and what is allowed.

    >>> check_framework_file("framework_file", "article.yaml").name
    'article.yaml'
    >>> check_framework_file("framework_file", "articel.yaml")
    Traceback (most recent call last):
    ...
    itclusters.parameters.ParameterError: framework_file 'articel.yaml' is neither a file nor one of the suite's frameworks; allowed: a path to a .yaml file, or article.yaml, official_today.yaml, open_data.yaml
    """
    from pathlib import Path

    from .parameters import ParameterError, check_file

    shipped = sorted(p.name for p in FRAMEWORKS.glob("*.yaml"))
    allowed = f"allowed: a path to a .yaml file, or {', '.join(shipped)}"
    if isinstance(value, str) and value in shipped:
        return FRAMEWORKS / value
    if isinstance(value, str) and value and not Path(value).expanduser().exists():
        raise ParameterError(f"{name} {value!r} is neither a file nor one of the suite's "
                             f"frameworks; {allowed}")
    try:
        check_file(name, value, (".yaml", ".yml"), optional=False)
    except ParameterError as err:
        raise ParameterError(str(err).split("; allowed")[0] + f"; {allowed}") from None
    return Path(value).expanduser()


@checked
def metadata_of(fw: Framework) -> pd.DataFrame:
    """The framework's tree as :func:`~itclusters.read_indicators` takes it (its indicator codes
    are the columns looked for in a user's table)."""
    rows = {code: {"name": node.label, "level": node.kind if node.kind == "indicator" else
                   ("index" if code == fw.root else "group"), "parent": node.parent,
                   "unit": node.unit, "weight": 1.0 if node.weight is None else node.weight,
                   "direction": node.direction, "nonnegative": not node.may_be_negative}
            for code, node in fw.nodes.items()}
    return pd.DataFrame.from_dict(rows, orient="index")


@checked
def read_data(fw: Framework, indicators_file: str = "") -> tuple[pd.DataFrame, str]:
    """The raw indicators for a framework and a sentence saying what they are: the user's file
    read by :func:`~itclusters.read_indicators` (national rows left out), or, with no file,
    the suite's official indicators (:func:`official_indicators`), or notebook 07's open-data
    composite (:func:`~itclusters.today.official_composite`) for a framework of its indicators
    (``open_data.yaml``)."""
    from pathlib import Path

    from .layouts import NATIONAL
    from .userdata import read_indicators

    if indicators_file:
        raw = read_indicators(indicators_file, metadata=metadata_of(fw))
        summary = raw.attrs.get("summary", "")
        ids = raw.index.get_level_values("region_id")
        raw = raw[~ids.isin([NATIONAL, "kazakhstan"])]
        said = f"{summary[:1].upper()}{summary[1:]}." if summary else \
            f"Read {Path(indicators_file).name}."
        return raw, said
    from .today import official_composite

    raw = official_indicators()
    missing = [c for c in fw.indicators if c not in raw.columns]
    if missing:  # notebook 07's open-data composite (open_data.yaml): 16 regions, 2010-2016
        composite = official_composite()[0]
        if all(c in composite.columns for c in fw.indicators):
            raw, missing = composite, []
    if missing:
        from pathlib import Path

        from .parameters import ParameterError

        raise ParameterError(
            f"framework_file {Path(fw.path).name!r} names indicators the suite's official "
            f"statistics do not hold: {', '.join(missing)} (they hold {', '.join(raw.columns)}); "
            f"give indicators_file, a table with a column for each of the framework's indicators")
    years = sorted(set(raw.index.get_level_values("year")))
    return raw, (f"The data are the suite's official statistics (Bureau of National Statistics), "
                 f"each year on the regions of that year: {_years(years)}, the years in which "
                 f"every indicator exists for every unit.")


def _years(years: list[int]) -> str:
    """Years as runs: 2011–2014 and 2016–2023."""
    runs, start = [], years[0]
    for before, after in zip(years, [*years[1:], None]):
        if after is None or after != before + 1:
            runs.append(str(start) if start == before else f"{start}–{before}")
            start = after
    return join_names(runs)


@checked
def label(fw: Framework, code: str) -> str:
    """A node's label, capitalised, for a table or a sentence."""
    text = fw.nodes[code].label if code in fw.nodes else str(code)
    return text[:1].upper() + text[1:]


@checked
def method_in_words(fw: Framework, step: str) -> str:
    """The method of one step of the framework, in words (each distinct one, if nodes differ).

    >>> fw = read_framework(FRAMEWORKS / "article.yaml")
    >>> method_in_words(fw, "normalise")
    "percentage of the year's leader (the article's formula 1)"
    """
    from .framework import PARAMETERS

    if step == "normalise":
        names = dict.fromkeys(fw.method(c, step) for c in fw.indicators)
    elif step in ("weighting", "aggregate"):
        names = dict.fromkeys(fw.method(c, step) for c in fw.aggregates)
    else:
        names = {fw.steps[step]["method"]: None}
    out = []
    for name in names:
        parameters = {**PARAMETERS[step], **{k: v for k, v in fw.steps[step].items()
                                              if k != "method"}}
        if step == "aggregate":
            parameters["power"] = fw.parameter(None, step, "power")
        out.append(_METHODS[(step, name)].format(**parameters).replace("%", PERCENT))
    return "; ".join(out)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _shown(value: float) -> str:
    return f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"


@checked
def steps_in_words(result, year: int) -> pd.DataFrame:
    """One row per step of the build: its method and what it did in ``year``, in words
    (indicator labels, region names; no codes)."""
    fw, log = result.framework, result.log
    in_year = log[log["year"] == year]
    units = result.raw.xs(year, level="year").index
    kept = result.screened.xs(year, level="year").index if year in set(
        result.screened.index.get_level_values("year")) else pd.Index([])
    rows = {}
    removed = in_year[in_year["step"] == "screen"]
    rows["screen"] = (f"all {len(units)} units kept" if removed.empty else
                      f"{len(removed)} of {len(units)} units left out for missing data: "
                      + join_names(f"{display_name(r, year=year)} ({_share(c)} present)"
                                   for r, c in zip(removed["region_id"], removed["before"])))
    imputed = in_year[in_year["step"] == "impute"]
    missing = int(result.screened.xs(year, level="year").isna().sum().sum()) if len(kept) else 0
    if not imputed.empty:
        rows["impute"] = f"{_count(len(imputed), 'value')} filled in: " + "; ".join(
            f"{label(fw, c)} of {display_name(r, year=year)} ({_shown(a)})"
            for r, c, a in zip(imputed["region_id"], imputed["code"], imputed["after"]))
    elif missing:
        rows["impute"] = (f"nothing filled in: {_count(missing, 'value')} "
                          f"stay{'s' if missing == 1 else ''} missing")
    else:
        rows["impute"] = "nothing to fill in: no value is missing"
    treated = in_year[in_year["step"] == "treat"]
    if treated.empty:
        rows["treat"] = "no indicator meets the outlier rule: nothing changed"
    else:
        parts = []
        for code, block in treated.groupby("code", sort=False):
            if (block["action"] == "log-transformed").any():
                parts.append(f"{label(fw, code)}: logged for every unit")
            else:
                parts.append(f"{label(fw, code)}: " + ", ".join(
                    f"{display_name(r, year=year)} pulled in from {_shown(b)} to {_shown(a)}"
                    for r, b, a in zip(block["region_id"], block["before"], block["after"])))
        rows["treat"] = "; ".join(parts)
    rows["normalise"] = (f"{len(fw.indicators)} indicators put on one scale for "
                         f"{len(kept)} units")
    parts = []
    for node, block in result.weights.groupby("node", sort=False):
        shares = block["weight"].to_numpy()
        if np.allclose(shares, shares[0]):  # equal: say so rather than list every part
            parts.append(f"{label(fw, node)}: {len(shares)} parts, {_share(shares[0])} each")
        else:
            parts.append(f"{label(fw, node)}: " + ", ".join(
                f"{fw.nodes[c].label} {_share(w)}" for c, w in zip(block["child"], shares)))
    rows["weighting"] = "; ".join(parts)
    index = result.index.xs(year, level="year") if len(kept) else pd.Series(dtype=float)
    groups = [c for c in fw.aggregates if c != fw.root]
    without = index.index[index.isna()]
    rows["aggregate"] = (f"{len(groups)} groups and the index computed for "
                         f"{int(index.notna().sum())} units"
                         + (f"; no index for {join_names(display_names(without, year=year))}"
                            if len(without) else ""))
    return pd.DataFrame({"method": [method_in_words(fw, s) for s in STEP_NAMES],
                         "done": [rows[s] for s in STEP_NAMES]},
                        index=pd.Index(list(STEP_NAMES.values()), name="Step"))


def _in_words(fw: Framework, text: str) -> str:
    """A verdict or log line with every node code replaced by its label."""
    for code in sorted(fw.nodes, key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){re.escape(code)}(?![\w-])", fw.nodes[code].label, text)
    return text.replace("alpha", "Cronbach's alpha")


@checked
def coherence_in_words(audit, fw: Framework) -> pd.DataFrame:
    """The pillars of a :func:`~itclusters.coherence` audit as a reader reads them: each group
    with its parts, Cronbach's alpha, the first component's share and the verdict, in labels."""
    table = audit.pillars
    return pd.DataFrame({
        "parts": [", ".join(fw.nodes[k].label for k in kids) for kids in table["children"]],
        "alpha": table["alpha"].to_numpy(), "pc1_share": table["pc1_share"].to_numpy(),
        "verdict": [_in_words(fw, v) for v in table["verdict"]],
    }, index=pd.Index([label(fw, c) for c in table.index], name="Group"))


def choices_for(result) -> dict[str, list[str]]:
    """The choices a sensitivity analysis of ``result`` varies: for each step, the framework's
    own method first and the alternatives the data can take (formula 1 only where no value can
    be negative after treatment; the geometric mean only over normalisations without negative
    values; filling in only where a value is missing).

    >>> from itclusters.build import build_index
    >>> result = build_index(OFFICIAL_FRAMEWORK, official_indicators())
    >>> choices_for(result)
    {'treat': ['jrc', 'none'], 'normalise': ['minmax', 'rank', 'percentile'], 'weighting': ['manual', 'pca'], 'aggregate': ['arithmetic', 'geometric']}
    """
    fw = result.framework

    def first(own, others):
        return [own] + [m for m in others if m != own]

    choices = {}
    if result.screened.isna().any().any():
        choices["impute"] = first(fw.steps["impute"]["method"], ["none", "mean", "median"])
    choices["treat"] = first(fw.steps["treat"]["method"], ["none", "jrc"])
    own = fw.method(fw.indicators[0], "normalise")
    others = ["minmax", "rank", "percentile"]
    negative = any(fw.nodes[c].may_be_negative for c in fw.indicators) or (
        result.raw.to_numpy(dtype=float)[~np.isnan(result.raw.to_numpy(dtype=float))] < 0).any()
    if own == "leader" and not negative and "jrc" not in choices["treat"]:
        others = ["leader", *others]
    choices["normalise"] = first(own, [m for m in others if m != "zscore"])
    choices["weighting"] = first(fw.method(fw.root, "weighting"), ["manual", "pca"])
    choices["aggregate"] = first(fw.method(fw.root, "aggregate"), ["arithmetic", "geometric"])
    if "zscore" in choices["normalise"] or "copeland" in choices["aggregate"]:
        choices["aggregate"] = [m for m in choices["aggregate"] if m != "geometric"]
    # an alternative the data cannot take (formula 1 after a log, PCA weights of a part that
    # does not vary) is left out rather than failing the whole analysis
    from .build import BuildError, _run

    shared: dict = {}  # tables of the steps the variants share, computed once

    def builds(**methods) -> bool:
        try:
            _run(fw.with_methods(**methods), result.raw, shared)
        except (BuildError, FrameworkError):
            return False
        return True

    for step in list(choices):
        choices[step] = [m for m in choices[step] if m == choices[step][0]
                         or builds(**{step: m})]
    for treat in choices["treat"][1:]:
        if not builds(treat=treat, normalise=choices["normalise"][0]):
            choices["treat"].remove(treat)
            continue
        choices["normalise"] = [m for m in choices["normalise"]
                                if m == choices["normalise"][0] or builds(treat=treat, normalise=m)]
    return {step: methods for step, methods in choices.items() if len(methods) > 1}


@checked
def choice_effects(sensitivity, year: int) -> pd.DataFrame:
    """Per choice of a :func:`~itclusters.rank_sensitivity`, in ``year``: the mean first-order
    and total index over the units whose rank moves, and the unit whose rank it moves most."""
    indices = sensitivity.indices.xs(year, level="year")
    rows = []
    for step, methods in sensitivity.choices.items():
        block = indices.xs(step, level="choice")
        moving = block[block["ST"] > 0]
        most = extremes(block["ST"]) if (block["ST"] > 0).any() else []
        rows.append({"choice": STEP_NAMES[step],
                     "methods": ", ".join(METHOD_NAMES[m] for m in methods),
                     "S1": float(moving["S1"].mean()) if len(moving) else 0.0,
                     "ST": float(moving["ST"].mean()) if len(moving) else 0.0,
                     "most": join_names(display_names(most[:3], year=year)) or "none",
                     "step": step})
    return pd.DataFrame(rows).set_index("choice").rename_axis("Choice")


def marked_individually(result):
    """``result`` with only the cells changed one by one in its log (filled in, or pulled in as
    outliers), for :func:`~itclusters.charts.result_map`: a log-transform changes every unit of
    an indicator alike (a change of scale, which the step table states), so marking it would
    hatch every region and single out none."""
    from dataclasses import replace

    return replace(result, log=result.log[result.log["action"] != "log-transformed"])


@checked
def compare_with_article(result, year: int) -> pd.DataFrame | None:
    """Ranks of ``result`` beside the article's published index (Table 1) in ``year``, shaped
    like :func:`~itclusters.compare` (``a`` the article, ``b`` this index), or None when the
    article has no such year or the units are not its 16 regions."""
    from .data import paper_table
    from .regions import REGION_IDS

    table1 = paper_table(1)["index"]
    if year not in set(table1.index.get_level_values("year")):
        return None
    ours = result.index.xs(year, level="year")
    if set(ours.index) != set(REGION_IDS):
        return None
    theirs = table1.xs(year, level="year").reindex(ours.index)
    rows = pd.MultiIndex.from_arrays([ours.index, [year] * len(ours)], names=["region_id", "year"])
    table = pd.DataFrame({"index_a": theirs.to_numpy(), "index_b": ours.to_numpy()}, index=rows)
    table["rank_a"] = table["index_a"].rank(ascending=False, method="min")
    table["rank_b"] = table["index_b"].rank(ascending=False, method="min")
    table["rank_change"] = table["rank_a"] - table["rank_b"]
    table.attrs.update({"a": "the article's index", "b": "this index"})
    return table


@checked
def findings_of(result, year: int, audit=None, sensitivity=None,
                comparison: pd.DataFrame | None = None, compared_with: str = "") -> list[str]:
    """The findings of a build in ``year``, sentences computed from the results: who leads and
    who trails, what the steps changed, the coherence of each group, how far the choices move the
    ranks, and how the comparison differs."""
    fw = result.framework
    index = result.index.xs(year, level="year").dropna()
    top, bottom = extremes(index), extremes(index, largest=False)
    second = index.drop(top).max() if len(index) > len(top) else np.nan
    runner = extremes(index.drop(top)) if len(index) > len(top) else []
    names = lambda ids: join_names(f"**{n}**" for n in display_names(ids, year=year))  # noqa: E731
    out = [f"In {year}, the index puts {names(top)} first with "
           f"{index.max():.1f}" + (f", ahead of {names(runner)} ({second:.1f})" if runner else "")
           + f"; {names(bottom)} {'is' if len(bottom) == 1 else 'are'} last with "
           f"{index.min():.1f}, of {len(index)} units."]
    log = result.log[result.log["year"] == year]
    imputed = log[log["step"] == "impute"]
    pulled = log[log["action"] == "winsorised"]
    logged = list(dict.fromkeys(log.loc[log["action"] == "log-transformed", "code"]))
    parts = []
    if len(imputed):
        parts.append(f"{len(imputed)} missing value{'s were' if len(imputed) > 1 else ' was'} "
                     f"filled in")
    if len(pulled):
        parts.append(f"{len(pulled)} outlying value{'s were' if len(pulled) > 1 else ' was'} "
                     f"pulled in ({'; '.join(f'{fw.nodes[c].label} of {display_name(r, year=year)}' for r, c in zip(pulled['region_id'], pulled['code']))})")
    if logged:
        parts.append(f"{join_names(fw.nodes[c].label for c in logged)} "
                     f"{'was' if len(logged) == 1 else 'were'} too skewed for that and "
                     f"{'was' if len(logged) == 1 else 'were'} logged for every unit")
    if parts:
        out.append(f"Before normalising, {'; '.join(parts)}.")
    else:
        out.append("Nothing was filled in or treated: the values are used as given.")
    if audit is not None:
        pillars = audit.pillars.drop(fw.root, errors="ignore")
        coherent = [label(fw, c) for c, v in pillars["verdict"].items() if v.startswith("coherent")]
        other = [f"{fw.nodes[c].label} ({_in_words(fw, v).split(' (')[0]})"
                 for c, v in pillars["verdict"].items() if not v.startswith("coherent")]
        sentence = (f"Coherent groups: {join_names(coherent)}." if coherent
                    else "No group is coherent by the usual bars (alpha 0.7, first component "
                         "60 %).")
        if other:
            sentence += f" {'The others' if coherent else 'The groups'}: {'; '.join(other)}."
        out.append(sentence)
    if sensitivity is not None:
        ranks = sensitivity.ranks.xs(year, level="year").dropna(subset=["median_rank"])
        widest = extremes(ranks["rank_spread"])
        effects = choice_effects(sensitivity, year)
        strongest = effects["ST"].idxmax()
        steady = ranks.index[ranks["rank_spread"] == 0]
        out.append(
            f"Over {sensitivity.runs:,} builds ({sensitivity.configurations} combinations of "
            f"choices), {names(widest)} move{'s' if len(widest) == 1 else ''} most: rank "
            f"{ranks.loc[widest[0], 'rank_low']:.0f} to {ranks.loc[widest[0], 'rank_high']:.0f} "
            f"in 90 % of the builds"
            + (f"; {names(steady)} keep{'s' if len(steady) == 1 else ''} the same rank in all"
               if 0 < len(steady) <= 4 else
               f"; {len(steady)} units keep the same rank in all" if len(steady) else "")
            + f". The choice that moves ranks most is {strongest.lower()} (mean total index "
            f"{_number(effects.loc[strongest, 'ST'])} over the units whose rank moves).")
    if comparison is not None:
        one = comparison.xs(year, level="year").dropna(subset=["rank_a", "rank_b"])
        rho = float(one["rank_a"].corr(one["rank_b"], method="spearman"))
        moved = one["rank_change"].abs()
        most = extremes(moved)
        same = int((moved == 0).sum())
        out.append(
            f"Against {compared_with}: Spearman's rank correlation {_number(rho)}; {same} of "
            f"{len(one)} units keep their rank; the largest move is "
            + join_names(f"{display_name(r, year=year)} ({one.loc[r, 'rank_a']:.0f} → "
                         f"{one.loc[r, 'rank_b']:.0f})" for r in most) + ".")
    return out


def _number(x: float) -> str:  # as the tables print it: "−0.14", never a hyphen
    return format_value(x, "number:2")


def _share(x: float) -> str:  # "50 %", with the narrow no-break space of the tables
    return format_value(x, "percent:0")
