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
