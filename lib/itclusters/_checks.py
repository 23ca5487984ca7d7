"""Check a public function's arguments against its annotations when it is called.

A value of the wrong type fails at once with a message an economist can act on, naming the
function, the parameter and what it takes, instead of an ``AttributeError`` deep in pandas:

>>> import pandas as pd
>>> @checked
... def share(values: pd.Series, total: float | None = None) -> pd.Series:
...     return values / (values.sum() if total is None else total)
>>> share([1, 2])
Traceback (most recent call last):
...
itclusters._checks.WrongTypeError: share(): values must be a pandas Series, got list [1, 2]; make one with pd.Series(...)

``WrongTypeError`` is a ``TypeError`` (and a ``ValueError``: see there).  A value outside a
``Literal[...]`` is a ``ValueError`` naming the values allowed.  Annotations are read once, on
the first call; one that cannot be read or interpreted is not checked: a check never refuses a
call the function itself would take.
"""
from __future__ import annotations

import collections.abc as cabc
import functools
import inspect
import numbers
import os
import reprlib
import types
import typing

import numpy as np
import pandas as pd

__all__ = ["checked", "rule_for", "rules_of", "WrongTypeError"]


class WrongTypeError(TypeError, ValueError):
    """An argument of the wrong type.  Also a ``ValueError``, which is what the functions raised
    for some of these before they were checked, so that callers catching it still do."""


_WORDS = {pd.Series: "a pandas Series", pd.DataFrame: "a pandas DataFrame", str: "a text (str)",
          int: "a whole number", float: "a number", bool: "True/False", os.PathLike: "a path",
          type(None): "None", cabc.Mapping: "a mapping such as a dict", dict: "a dict",
          cabc.Sequence: "a list or tuple", list: "a list", tuple: "a tuple",
          cabc.Iterable: "a list or other collection", cabc.Callable: "a function"}
_TESTS = {int: lambda v: isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_)),
          float: lambda v: isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)),
          bool: lambda v: isinstance(v, (bool, np.bool_)), cabc.Callable: callable}
_COLLECTIONS = (cabc.Sequence, cabc.Iterable, cabc.Collection, list, tuple, set, frozenset)


class Rule(typing.NamedTuple):
    test: typing.Callable[[object], bool]
    words: str  # what is allowed, in words
    literals: tuple = ()  # the values of a Literal: another value of their type is a ValueError


def rule_for(hint) -> Rule | None:
    """How to check a value against one annotation; ``None`` where it cannot be interpreted."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        rules = [rule_for(a) for a in args]
        if any(r is None for r in rules):
            return None
        words = [r.words for r in rules]
        literals = sum((r.literals for r in rules), ())
        return Rule(lambda v: any(r.test(v) for r in rules),
                    ", ".join(words[:-1]) + " or " + words[-1], literals)
    if origin is typing.Annotated:  # Annotated[int | float, "a whole number"]: its own words
        rule, words = rule_for(args[0]), [m for m in hint.__metadata__ if isinstance(m, str)]
        return rule._replace(words=words[0]) if rule and words else rule
    if origin is typing.Literal:
        return Rule(lambda v: any(type(v) is type(a) and v == a for a in args),
                    "one of " + ", ".join(map(repr, args)), args)
    cls = origin or hint
    if hint is type(None):
        return Rule(lambda v: v is None, "None")
    if not isinstance(cls, type) or cls in (object, typing.Any):
        return None
    test = _TESTS.get(cls, lambda v: isinstance(v, cls))
    words = _WORDS.get(cls) or f"a {cls.__name__}"
    if cls in _COLLECTIONS and args:
        item = rule_for(args[0])
        if item is not None and not item.test("a"):  # a text is not a list of numbers
            plain = test
            test = lambda v: plain(v) and not isinstance(v, (str, bytes))  # noqa: E731
            words += f" (each {item.words})"
    return Rule(test, words)


_SHORT = reprlib.Repr()
_SHORT.maxstring, _SHORT.maxother, _SHORT.maxlist, _SHORT.maxdict = 40, 40, 4, 3


def _shown(value) -> str:
    """The value given, as a message can show it: its type and a short repr."""
    if value is None:
        return "None"
    if isinstance(value, pd.DataFrame):
        return f"a DataFrame of {value.shape[0]} rows x {value.shape[1]} columns"
    if isinstance(value, (pd.Series, pd.Index, np.ndarray)):
        return f"{type(value).__name__} of {len(value) if np.ndim(value) else 0} values"
    text = " ".join(_SHORT.repr(value).split())
    return f"{type(value).__name__} {text[:57] + '...' if len(text) > 60 else text}"


def rules_of(function) -> dict[str, Rule]:
    """The rule of each parameter of ``function`` whose annotation can be checked."""
    inner = inspect.unwrap(function)
    rules = {}
    for name, hint in getattr(inner, "__annotations__", {}).items():
        try:
            hint = eval(hint, inner.__globals__) if isinstance(hint, str) else hint
            rule = rule_for(hint) if name != "return" else None
        except Exception:  # a name only imported for type checkers: not checked
            rule = None
        if rule is not None:
            rules[name] = rule
    return rules


def checked(function):
    """Decorator: check the arguments of ``function`` against its annotations at each call."""
    parameters = inspect.signature(function).parameters
    kinds = {p.kind: name for name, p in parameters.items()}
    positional = [name for name, p in parameters.items()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    star = kinds.get(inspect.Parameter.VAR_POSITIONAL)  # *sentences: each value checked
    stars = kinds.get(inspect.Parameter.VAR_KEYWORD)
    rules: dict[str, Rule] | None = None  # read on the first call: annotations name later imports

    def check(name, value, kind=None):
        rule = rules.get(kind or name)
        if rule is None or rule.test(value):
            return
        wrong_value = any(type(value) is type(a) for a in rule.literals)
        text = f"{function.__name__}(): {name} must be {rule.words}, got {_shown(value)}"
        if not wrong_value and "pandas Series" in rule.words and isinstance(
                value, (list, tuple, dict, np.ndarray)):
            text += "; make one with pd.Series(...)"
        raise (ValueError if wrong_value else WrongTypeError)(text)

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        nonlocal rules
        if rules is None:
            rules = rules_of(function)
        for name, value in zip(positional, args):
            check(name, value)
        for value in args[len(positional):] if star else ():
            check(star, value)
        for name, value in kwargs.items():
            check(name, value, None if name in parameters else stars or name)
        return function(*args, **kwargs)

    wrapper.checked = True
    return wrapper
