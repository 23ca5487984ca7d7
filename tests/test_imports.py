import subprocess
import sys


def test_import_is_light():
    code = ("import sys, itclusters; "
            "heavy = [m for m in ('geopandas', 'matplotlib', 'ipywidgets', 'papermill') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_dashboard_path_leaves_the_audits_and_readers_unloaded():
    """What the dashboard's kernel runs first (``import itclusters``, the explorer's module)
    loads neither the audits, the index builder nor the reader of indicator tables; each
    name still loads on first use."""
    code = ("import sys, itclusters, itclusters.widgets; "
            "print([m for m in ('itclusters.audit', 'itclusters.build', "
            "'itclusters.composite_audit', 'itclusters.framework', 'itclusters.userdata') "
            "if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_name_of_the_package_loads_on_first_use():
    import itclusters

    for name in itclusters.__all__:
        assert getattr(itclusters, name) is not None, name
    from itclusters.audit import audit_table1
    from itclusters.userdata import read_indicators

    assert itclusters.audit_table1 is audit_table1
    assert itclusters.read_indicators is read_indicators
    assert itclusters.audit.audit_table1 is audit_table1


def test_reading_a_notebook_builds_no_iri_parsers():
    """nbformat validates with jsonschema, whose "format-nongpl" extra brings rfc3987-syntax:
    1.3 s of CPU on import in every Jupyter server, papermill run and batch worker.
    pyproject.toml's [tool.uv] leaves it out of what `make` installs; papermill, nbformat's
    validation and a Jupyter server's event schemas work without it."""
    code = ("import sys, papermill, nbformat, jupyter_events.validators; "
            "print([m for m in ('rfc3987_syntax', 'lark') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", (
        "rfc3987-syntax is installed (by pip, which does not read pyproject.toml's [tool.uv], "
        "or in a .venv made before it was left out); remove it with `.venv/bin/python -m pip "
        "uninstall -y rfc3987-syntax lark`")
