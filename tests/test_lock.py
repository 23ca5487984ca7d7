"""requirements.lock (exact versions, `uv pip compile`) must agree with pyproject.toml.

Refresh it after changing dependencies with ``make lock`` (it keeps the other pins).
"""
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"
PYPROJECT = ROOT / "pyproject.toml"
EXTRAS = ("test",)  # the extras the lock covers (see the Makefile's `lock` target)


def lock_disagreements(pyproject_text: str, lock_text: str) -> list[str]:
    """Every way the two files disagree, one sentence each (empty: they agree)."""
    pins: dict[str, str] = {}
    roots: set[str] = set()
    current = None
    for line in lock_text.splitlines():
        if line and not line.startswith((" ", "#", "-")) and "==" in line:
            name, pinned = line.split("==", 1)
            current = canonicalize_name(name.split("[")[0].strip())
            pins[current] = pinned.split(";")[0].split()[0]
        elif current and "itclusters (pyproject.toml)" in line:
            roots.add(current)
    project = tomllib.loads(pyproject_text)["project"]
    declared = [Requirement(r) for r in project["dependencies"]]
    for extra in EXTRAS:
        declared += [Requirement(r) for r in project["optional-dependencies"].get(extra, [])]
    problems = []
    names = set()
    for req in declared:
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        name = canonicalize_name(req.name)
        names.add(name)
        if name not in pins:
            problems.append(f"pyproject.toml asks for {req}, which the lock does not pin")
        elif not req.specifier.contains(pins[name], prereleases=True):
            problems.append(f"pyproject.toml asks for {req}, the lock pins {name}=={pins[name]}")
    for name in sorted(roots - names):
        problems.append(f"the lock pins {name} for itclusters, which pyproject.toml no longer asks for")
    return problems


def test_the_lock_agrees_with_pyproject():
    problems = lock_disagreements(PYPROJECT.read_text(), LOCK.read_text())
    assert not problems, ("requirements.lock is out of date; refresh it with `make lock`:\n  "
                          + "\n  ".join(problems))


def test_the_lock_pins_exact_versions_of_everything():
    lines = [l for l in LOCK.read_text().splitlines() if l and not l.startswith((" ", "#"))]
    assert len(lines) > 100
    assert all("==" in l and not any(op in l for op in (">", "<", "~", "*")) for l in lines)
    assert "uv pip compile pyproject.toml --extra test" in LOCK.read_text()


def test_the_check_sees_each_kind_of_disagreement():
    pyproject, lock = PYPROJECT.read_text(), LOCK.read_text()
    added = pyproject.replace('"pyyaml>=6.0",', '"pyyaml>=6.0",\n    "hypothesis-extra-thing>=1",')
    assert lock_disagreements(added, lock) == [
        "pyproject.toml asks for hypothesis-extra-thing>=1, which the lock does not pin"]
    raised = pyproject.replace('"numpy>=1.26"', '"numpy>=99"')
    assert lock_disagreements(raised, lock)[0].startswith(
        "pyproject.toml asks for numpy>=99, the lock pins numpy==")
    dropped = pyproject.replace('    "voila>=0.5",\n', "")
    assert lock_disagreements(dropped, lock) == [
        "the lock pins voila for itclusters, which pyproject.toml no longer asks for"]


def test_make_installs_with_the_lock():
    makefile = (ROOT / "Makefile").read_text()
    # uv installs the locked set, pip if uv cannot: both constrained by the lock
    assert "$(BIN)/uv pip install --quiet --python $(BIN)/python -c $(LOCK)\n" in makefile
    assert "PIP_INSTALL := $(BIN)/python -m pip install --quiet -c $(LOCK)\n" in makefile
    assert "\t$(INSTALL) -e . || $(PIP_INSTALL) -e .\n\t$(BYTECODE)\n" in makefile
    # compiled to bytecode once, all but the packages' own test suites
    assert "BYTECODE := $(BIN)/python -m compileall -q -j 0 -x '/tests?/' $(VENV)/lib" in makefile
    assert "\t$(INSTALL) -e '.[test]' || $(PIP_INSTALL) -e '.[test]'\n" in makefile
    assert "LOCK   := requirements.lock" in makefile
