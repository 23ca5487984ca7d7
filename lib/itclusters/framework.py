"""A composite index declared as data: indicators, the tree above them, and the method of each step.

A framework file (YAML) names the indicators (code, label, unit, direction, weight, source,
parent), the aggregates above them up to one index, and the method of each step of the build
(screen, impute, treat, normalise, weighting, aggregate), in the spirit of COINr's ``iMeta``.
:func:`read_framework` reads and validates one; every error names the file, the line, the field
and what is allowed.  The article's index is ``data/frameworks/article.yaml``.

>>> fw = read_framework(FRAMEWORKS / "article.yaml")
>>> fw.children("susceptibility")
['J_D', 'J_E', 'J_F']
>>> fw.weights("index")
{'susceptibility': 0.5, 'activity': 0.5}
>>> fw.method("J_A", "normalise"), fw.method("index", "aggregate")
('leader', 'arithmetic')
"""
from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path

import yaml

from ._checks import checked

__all__ = ["Framework", "FrameworkError", "read_framework", "FRAMEWORKS", "METHODS", "STEPS"]

#: The frameworks shipped with the suite.
FRAMEWORKS = Path(__file__).resolve().parents[2] / "data" / "frameworks"

#: Every step of the build and the methods it knows, in the order the build runs them.
METHODS: dict[str, tuple[str, ...]] = {
    "screen": ("none", "coverage"),
    "impute": ("none", "mean", "median", "previous_year"),
    "treat": ("none", "jrc"),
    "normalise": ("leader", "minmax", "zscore", "rank", "goalposts", "percentile"),
    "weighting": ("manual", "equal", "pca", "correlation"),
    "aggregate": ("arithmetic", "geometric", "harmonic", "generalised", "copeland"),
}
STEPS = tuple(METHODS)
#: The parameters each step's method takes, with their defaults.
PARAMETERS: dict[str, dict[str, float]] = {
    "screen": {"min_coverage": 1.0},
    "impute": {},
    "treat": {"winsor_limit": 5, "skewness": 2.0, "kurtosis": 3.5},
    "normalise": {},
    "weighting": {},
    "aggregate": {"power": 1.0},
}
_TOP = ("name", "title", "source", "description", "indicators", "aggregates", "methods")
_INDICATOR = ("code", "label", "unit", "source", "note", "parent", "weight", "direction",
              "may_be_negative", "normalise", "goalposts")
_AGGREGATE = ("code", "label", "unit", "note", "parent", "weight", "aggregate", "power",
              "weighting")
#: Normalisations whose values can be negative, and aggregations defined only for values >= 0.
NEGATIVE_NORMALISATIONS = ("zscore",)
POSITIVE_AGGREGATIONS = ("geometric", "harmonic")


class FrameworkError(ValueError):
    """A framework file that cannot be read: the message names file, line, field and what is
    allowed."""


class _Mapping(dict):
    """A YAML mapping that remembers the line of each key (1 = first line of the file)."""

    line: int = 0

    def __init__(self):
        super().__init__()
        self.lines: dict = {}


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader, node):
    loader.flatten_mapping(node)
    mapping = _Mapping()
    mapping.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in mapping:
            raise FrameworkError(f"{loader.name}, line {line}: key {key!r} is given twice (first "
                                 f"on line {mapping.lines[key]})")
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.lines[key] = line
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@dataclass(frozen=True)
class Node:
    """One node of the tree: an indicator or an aggregate (a pillar, a sub-index, the index)."""

    code: str
    kind: str  # "indicator" or "aggregate"
    line: int
    label: str = ""
    unit: str = ""
    source: str = ""
    note: str = ""
    parent: str | None = None
    weight: float | None = None
    direction: int = 1
    may_be_negative: bool = False
    goalposts: tuple[float, float] | None = None
    methods: dict = field(default_factory=dict)  # this node's own choice of a step's method
    lines: dict = field(default_factory=dict)  # the line of each field


@dataclass(frozen=True)
class Framework:
    """A validated framework: nodes by code, the default method of each step, where it came from.

    Use :func:`read_framework` to make one; :meth:`with_methods` gives a variant with other
    methods (what a sensitivity analysis draws).
    """

    name: str
    title: str
    nodes: dict[str, Node]
    steps: dict[str, dict]  # step -> {"method": name, parameters...}
    path: str = "<framework>"
    source: str = ""

    # --- the tree ---------------------------------------------------------------------------
    @property
    def indicators(self) -> list[str]:
        """Indicator codes in file order."""
        return [c for c, n in self.nodes.items() if n.kind == "indicator"]

    @property
    def aggregates(self) -> list[str]:
        """Aggregate codes bottom-up: every aggregate comes after all its children."""
        return sorted((c for c, n in self.nodes.items() if n.kind == "aggregate"),
                      key=lambda c: (self.depth(c), list(self.nodes).index(c)))

    @property
    def root(self) -> str:
        """The index: the one aggregate without a parent."""
        return next(c for c, n in self.nodes.items() if n.kind == "aggregate" and n.parent is None)

    def children(self, code: str) -> list[str]:
        return [c for c, n in self.nodes.items() if n.parent == code]

    def depth(self, code: str) -> int:
        """1 for an indicator, 1 + the deepest child for an aggregate."""
        kids = self.children(code)
        return 1 if not kids else 1 + max(self.depth(k) for k in kids)

    def leaves(self, code: str) -> list[str]:
        """The indicators under ``code``."""
        if self.nodes[code].kind == "indicator":
            return [code]
        return [leaf for child in self.children(code) for leaf in self.leaves(child)]

    def weights(self, code: str) -> dict[str, float]:
        """The declared weights of ``code``'s children (equal where none are declared)."""
        kids = self.children(code)
        given = [self.nodes[k].weight for k in kids]
        if all(w is None for w in given):
            return {k: 1.0 / len(kids) for k in kids}
        return {k: float(w) for k, w in zip(kids, given)}

    # --- methods ----------------------------------------------------------------------------
    def method(self, code: str, step: str) -> str:
        """The method of ``step`` for node ``code``: its own if it names one, else the default."""
        own = self.nodes[code].methods.get(step)
        return own if own is not None else self.steps[step]["method"]

    def parameter(self, code: str | None, step: str, name: str) -> float:
        """A step's parameter, the node's own value first (``power`` of an aggregate)."""
        if code is not None and name in self.nodes[code].methods:
            return self.nodes[code].methods[name]
        return self.steps[step].get(name, PARAMETERS[step][name])

    def where(self, code: str, key: str | None = None) -> str:
        """``file, line n`` of a node (of one of its fields if given), for messages."""
        node = self.nodes[code]
        return f"{self.path}, line {node.lines.get(key, node.line)}"

    def with_methods(self, **methods: str) -> "Framework":
        """A copy in which each step given uses that method everywhere (nodes' own choices of
        that step dropped).  The copy is validated like a file.

        >>> fw = read_framework(FRAMEWORKS / "article.yaml").with_methods(aggregate="geometric")
        >>> fw.method("susceptibility", "aggregate")
        'geometric'
        """
        steps = {s: dict(v) for s, v in self.steps.items()}
        nodes = dict(self.nodes)
        for step, name in methods.items():
            if step not in METHODS:
                raise FrameworkError(f"{self.path}: unknown step {step!r}; "
                                     f"{_suggest(step, STEPS)}")
            _check_name(self.path, 0, step, name)
            steps[step]["method"] = name
            for code, node in nodes.items():
                if step in node.methods:
                    nodes[code] = replace(node, methods={k: v for k, v in node.methods.items()
                                                         if k != step})
        changed = ", ".join(f"{step}={name}" for step, name in methods.items())
        variant = replace(self, steps=steps, nodes=nodes,
                          name=f"{self.name} ({changed})" if changed else self.name)
        _check_domains(variant)
        return variant

    def __repr__(self) -> str:
        methods = ", ".join(f"{s}={v['method']}" for s, v in self.steps.items())
        return (f"Framework({self.name!r}: {len(self.indicators)} indicators, "
                f"{len(self.aggregates)} aggregates; {methods})")


def _suggest(word, allowed) -> str:
    close = difflib.get_close_matches(str(word), [str(a) for a in allowed], n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return hint + "allowed: " + ", ".join(map(str, allowed))


def _where(path, line) -> str:
    return f"{path}, line {line}" if line else str(path)


def _check_keys(path, mapping, allowed, what) -> None:
    for key in mapping:
        if key not in allowed:
            raise FrameworkError(f"{_where(path, mapping.lines.get(key))}: unknown key {key!r} "
                                 f"in {what}; {_suggest(key, allowed)}")


def _check_name(path, line, step, name) -> None:
    if name not in METHODS[step]:
        raise FrameworkError(f"{_where(path, line)}: {step}: unknown method {name!r}; "
                             f"{_suggest(name, METHODS[step])}")


def _number(path, line, what, value, whole=False) -> float:
    """A number as a person writes it in YAML: 0.5, 1/3, 2."""
    try:
        if isinstance(value, bool):
            raise ValueError
        number = float(Fraction(str(value).replace(" ", ""))) if isinstance(value, str) else \
            float(value)
    except (ValueError, ZeroDivisionError, TypeError):
        raise FrameworkError(f"{_where(path, line)}: {what} must be a number (such as 0.5 or "
                             f"1/3), got {value!r}") from None
    if whole and number != int(number):
        raise FrameworkError(f"{_where(path, line)}: {what} must be a whole number, got {value!r}")
    return number


def _step_setting(path, step, value, line) -> dict:
    """A step as written: a method name, or a mapping with ``method`` and its parameters."""
    if isinstance(value, str):
        setting = {"method": value}
        lines = {"method": line}
    elif isinstance(value, _Mapping):
        _check_keys(path, value, ("method", *PARAMETERS[step]), f"methods: {step}")
        if "method" not in value:
            raise FrameworkError(f"{_where(path, value.line)}: {step} needs a method; allowed: "
                                 f"{', '.join(METHODS[step])}")
        setting, lines = dict(value), value.lines
    else:
        raise FrameworkError(f"{_where(path, line)}: {step} must be a method name or a mapping "
                             f"with 'method'; got {value!r}")
    _check_name(path, lines["method"], step, setting["method"])
    for name in PARAMETERS[step]:
        if name in setting:
            setting[name] = _number(path, lines[name], f"{step}: {name}", setting[name],
                                    whole=name == "winsor_limit")
    if not 0 <= setting.get("min_coverage", 0) <= 1:
        raise FrameworkError(f"{_where(path, lines['min_coverage'])}: screen: min_coverage is "
                             f"the share of a unit's indicators that must be present, between 0 "
                             f"and 1; got {setting['min_coverage']}")
    return setting


def _node(path, entry, kind, index) -> Node:
    what = f"{kind} {index + 1}"
    if not isinstance(entry, _Mapping):
        raise FrameworkError(f"{path}: {what} must be a mapping with code, parent ...; "
                             f"got {entry!r}")
    allowed = _INDICATOR if kind == "indicator" else _AGGREGATE
    _check_keys(path, entry, allowed, f"{what} ({entry.get('code', 'no code')})")
    if "code" not in entry:
        raise FrameworkError(f"{_where(path, entry.line)}: {what} has no code")
    code, lines = str(entry["code"]), entry.lines
    where = lambda key: _where(path, lines.get(key, entry.line))  # noqa: E731
    weight = entry.get("weight")
    if weight is not None:
        weight = _number(path, lines["weight"], f"weight of {code}", weight)
        if weight < 0:
            raise FrameworkError(f"{where('weight')}: weight of {code} is {weight:g}; weights "
                                 f"are >= 0")
    direction = entry.get("direction", 1)
    if direction not in (1, -1) or isinstance(direction, bool):
        raise FrameworkError(f"{where('direction')}: direction of {code} must be 1 (more is "
                             f"better) or -1 (less is better), got {direction!r}")
    methods = {}
    for step, key in (("normalise", "normalise"), ("aggregate", "aggregate"),
                      ("weighting", "weighting")):
        if key in entry:
            _check_name(path, lines[key], step, entry[key])
            methods[step] = entry[key]
    if "power" in entry:
        methods["power"] = _number(path, lines["power"], f"power of {code}", entry["power"])
    goalposts = entry.get("goalposts")
    if goalposts is not None:
        if not isinstance(goalposts, list) or len(goalposts) != 2:
            raise FrameworkError(f"{where('goalposts')}: goalposts of {code} must be [low, high], "
                                 f"got {goalposts!r}")
        goalposts = tuple(_number(path, lines["goalposts"], f"goalposts of {code}", g)
                          for g in goalposts)
        if not goalposts[0] < goalposts[1]:
            raise FrameworkError(f"{where('goalposts')}: goalposts of {code} must be [low, high] "
                                 f"with low < high, got {list(goalposts)}")
    may_be_negative = entry.get("may_be_negative", False)
    if not isinstance(may_be_negative, bool):
        raise FrameworkError(f"{where('may_be_negative')}: may_be_negative of {code} must be "
                             f"true or false, got {may_be_negative!r}")
    parent = entry.get("parent")
    return Node(code=code, kind=kind, line=entry.line, label=str(entry.get("label", code)),
                unit=str(entry.get("unit", "")), source=str(entry.get("source", "")),
                note=str(entry.get("note", "")), parent=None if parent is None else str(parent),
                weight=weight, direction=direction, may_be_negative=may_be_negative,
                goalposts=goalposts, methods=methods, lines=dict(lines))


def _check_tree(fw: Framework) -> None:
    path, nodes = fw.path, fw.nodes
    for code, node in nodes.items():
        where = _where(path, node.lines.get("parent", node.line))
        if node.parent is None:
            if node.kind == "indicator":
                raise FrameworkError(f"{where}: indicator {code} has no parent; name the "
                                     f"aggregate it belongs to")
            continue
        if node.parent not in nodes:
            raise FrameworkError(f"{where}: parent of {code}: unknown indicator or aggregate "
                                 f"{node.parent!r}; {_suggest(node.parent, list(nodes))}")
        if nodes[node.parent].kind == "indicator":
            raise FrameworkError(f"{where}: parent of {code} is {node.parent}, an indicator; "
                                 f"only aggregates have children (aggregates: "
                                 f"{', '.join(c for c, n in nodes.items() if n.kind == 'aggregate')})")
    for code in nodes:  # follow the parents: a code met twice closes a cycle
        seen = [code]
        while nodes[seen[-1]].parent is not None:
            parent = nodes[seen[-1]].parent
            if parent in seen:
                cycle = seen[seen.index(parent):] + [parent]
                lines = ", ".join(f"{c} line {nodes[c].lines.get('parent', nodes[c].line)}"
                                  for c in cycle[:-1])
                raise FrameworkError(f"{path}: the aggregates form a cycle: "
                                     f"{' → '.join(cycle)} ({lines}); the tree must lead from "
                                     f"the indicators up to one index")
            seen.append(parent)
    roots = [c for c, n in nodes.items() if n.parent is None]
    if len(roots) != 1:
        raise FrameworkError(f"{path}: exactly one aggregate (the index) has no parent; here "
                             f"{len(roots)} have none: "
                             f"{', '.join(f'{c} (line {nodes[c].line})' for c in roots)}")
    for code, node in nodes.items():
        if node.kind != "aggregate":
            continue
        kids = fw.children(code)
        if not kids:
            raise FrameworkError(f"{_where(path, node.line)}: aggregate {code} has no children; "
                                 f"give some indicator or aggregate 'parent: {code}'")
        given = [nodes[k].weight for k in kids]
        if any(w is None for w in given) and not all(w is None for w in given):
            unweighted = [k for k in kids if nodes[k].weight is None]
            raise FrameworkError(f"{_where(path, nodes[unweighted[0]].line)}: {unweighted[0]} has "
                                 f"no weight but other children of {code} have one; give every "
                                 f"child of {code} a weight, or none (equal weights)")
        if given[0] is not None and abs(sum(given) - 1) > 1e-9:
            shown = ", ".join(f"{k} {nodes[k].weight:g} (line {nodes[k].lines['weight']})"
                              for k in kids)
            raise FrameworkError(f"{_where(path, nodes[kids[0]].lines['weight'])}: the weights "
                                 f"of {code}'s children sum to {sum(given):.6g}, not 1: {shown}; "
                                 f"write thirds as 1/3")


def _check_domains(fw: Framework) -> None:
    """Methods undefined for negative values must not meet them: formula (1) on an indicator
    that may be negative, a geometric or harmonic mean over values that may be negative."""
    negative = {}
    for code in fw.indicators:
        node, method = fw.nodes[code], fw.method(code, "normalise")
        if method == "leader" and node.may_be_negative:
            raise FrameworkError(
                f"{fw.where(code, 'normalise' if 'normalise' in node.methods else 'may_be_negative')}"
                f": normalise: leader (formula 1) is not defined for negative values, and {code} "
                f"may be negative (may_be_negative: true); for {code} use one of "
                f"{', '.join(m for m in METHODS['normalise'] if m != 'leader')}")
        if method == "goalposts" and node.goalposts is None:
            raise FrameworkError(f"{fw.where(code)}: normalise: goalposts needs goalposts: "
                                 f"[low, high] for {code}")
        negative[code] = method in NEGATIVE_NORMALISATIONS
    for code in fw.aggregates:
        method, kids = fw.method(code, "aggregate"), fw.children(code)
        power = fw.parameter(code, "aggregate", "power")
        needs_positive = method in POSITIVE_AGGREGATIONS or (method == "generalised" and power <= 0)
        bad = [k for k in kids if negative[k]]
        if needs_positive and bad:
            key = "aggregate" if "aggregate" in fw.nodes[code].methods else None
            raise FrameworkError(
                f"{fw.where(code, key)}: aggregate: {method} mean is not defined for negative "
                f"values, and {', '.join(bad)} under {code} can be negative (normalised by "
                f"z-score, or aggregated by Copeland or from such values); use arithmetic, "
                f"generalised with power > 0, or copeland, or a normalisation without negative "
                f"values (leader, minmax, rank, goalposts, percentile)")
        negative[code] = method == "copeland" or (method in ("arithmetic", "generalised")
                                                  and any(negative[k] for k in kids))


@checked
def read_framework(path: str | os.PathLike) -> Framework:
    """Read and validate a framework file (YAML).

    The file has ``indicators`` (each with ``code``, ``parent`` and optionally ``label``,
    ``unit``, ``source``, ``weight``, ``direction`` (1 or -1), ``may_be_negative``,
    ``normalise``, ``goalposts: [low, high]``), ``aggregates`` (``code``, ``parent`` but for the
    index, ``weight``, and their own ``aggregate``, ``power``, ``weighting`` if they differ from
    the default) and ``methods``: one line per step of :data:`METHODS`, a method name or a
    mapping with ``method`` and its parameters (``screen: {method: coverage, min_coverage:
    0.75}``, ``treat: {method: jrc, winsor_limit: 5}``, ``aggregate: {method: generalised,
    power: 0.5}``).  Weights of siblings sum to 1 (``1/3`` is allowed); none given means equal.

    Raises
    ------
    FrameworkError
        Naming the file, the line and the field: a misspelt key or method (with the likely
        reading and what is allowed), a parent that is no indicator or aggregate, weights that
        do not sum to 1, a cycle, a method not defined for negative values on values that may be.

    Examples
    --------
    >>> fw = read_framework(FRAMEWORKS / "article.yaml")
    >>> fw.indicators, fw.root
    (['J_D', 'J_E', 'J_F', 'J_A', 'J_B', 'J_C'], 'index')
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FrameworkError(f"{path}: no such framework file; the suite's are in {FRAMEWORKS}: "
                             f"{', '.join(p.name for p in sorted(FRAMEWORKS.glob('*.yaml')))}") \
            from None
    except UnicodeDecodeError as err:
        raise FrameworkError(f"{path}: not a UTF-8 text file ({err.reason})") from None
    loader = _Loader(text)
    loader.name = str(path)
    try:
        document = loader.get_single_data()
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        raise FrameworkError(f"{path}, line {mark.line + 1 if mark else '?'}: not valid YAML: "
                             f"{err.problem or err.context}") from None
    finally:
        loader.dispose()
    if not isinstance(document, _Mapping):
        raise FrameworkError(f"{path}: a framework file is a YAML mapping with indicators, "
                             f"aggregates and methods; got {type(document).__name__}")
    _check_keys(path, document, _TOP, "the framework")
    for key in ("indicators", "aggregates"):
        if not isinstance(document.get(key), list) or not document[key]:
            raise FrameworkError(f"{_where(path, document.lines.get(key, 1))}: {key} must be a "
                                 f"non-empty list")
    nodes: dict[str, Node] = {}
    for kind, key in (("indicator", "indicators"), ("aggregate", "aggregates")):
        for i, entry in enumerate(document[key]):
            node = _node(path, entry, kind, i)
            if node.code in nodes:
                raise FrameworkError(f"{_where(path, node.line)}: code {node.code!r} is used "
                                     f"twice (first on line {nodes[node.code].line})")
            nodes[node.code] = node
    given = document.get("methods", _Mapping())
    if not isinstance(given, _Mapping):
        raise FrameworkError(f"{_where(path, document.lines['methods'])}: methods must be a "
                             f"mapping of step to method; steps: {', '.join(STEPS)}")
    _check_keys(path, given, STEPS, "methods")
    defaults = {"screen": "none", "impute": "none", "treat": "none", "normalise": "leader",
                "weighting": "manual", "aggregate": "arithmetic"}
    steps = {step: _step_setting(path, step, given.get(step, defaults[step]),
                                 given.lines.get(step)) for step in STEPS}
    fw = Framework(name=str(document.get("name", path.stem)),
                   title=str(document.get("title", document.get("name", path.stem))),
                   nodes=nodes, steps=steps, path=str(path), source=str(document.get("source", "")))
    _check_tree(fw)
    _check_domains(fw)
    return fw
