"""End to end in a real browser: the explorer in JupyterLab and the Voilà dashboard.

Playwright drives Debian's Chromium (``apt-get install chromium``; ``.ci/run`` installs it).
Without Chromium these tests are skipped and the run ends with a loud banner.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="BROWSER TESTS SKIPPED: Chromium not found "
                       "(apt-get install chromium; .ci/run does it)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _server(command: list[str], url: str, log: Path, cwd: Path, env: dict, timeout: float = 90):
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not answer in {timeout} s:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _environment(tmp_path: Path) -> dict:
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTER_DATA_DIR_USER"):
        env[name] = str(tmp_path / name.lower())
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env.pop("MPLBACKEND", None)
    return env


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _wait_until_changed(image, before: bytes, timeout: float = 45.0) -> bytes:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        after = image.screenshot()
        if after != before:
            return after
        time.sleep(0.5)
    raise AssertionError("the map's image did not change after the year picker changed")


def _pick_year(page, year: str) -> None:
    picker = page.locator(".widget-dropdown", has=page.locator("label", has_text="Year")).locator("select")
    picker.select_option(year)


def test_explorer_in_jupyterlab(browser, tmp_path):
    # a copy: JupyterLab autosaves, and the committed notebook must stay without outputs
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(ROOT / "notebooks" / "04_explorer.ipynb", work / "04_explorer.ipynb")
    port = _free_port()
    command = [str(BIN / "jupyter-lab"), "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
               "--IdentityProvider.token=", "--ServerApp.password=",
               "--ServerApp.disable_check_xsrf=True", f"--ServerApp.root_dir={work}",
               "--LabApp.news_url=", *(["--allow-root"] if os.geteuid() == 0 else [])]
    with _server(command, f"http://127.0.0.1:{port}/api/status", tmp_path / "lab.log", work,
                 _environment(tmp_path)):
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.goto(f"http://127.0.0.1:{port}/lab/tree/04_explorer.ipynb")
        page.wait_for_selector(".jp-Notebook", timeout=90_000)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                               timeout=90_000)
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        image = page.locator("img.widget-image").first
        image.wait_for(state="visible", timeout=120_000)
        image.scroll_into_view_if_needed()
        time.sleep(1.0)
        before = image.screenshot()
        _pick_year(page, "2010")
        after = _wait_until_changed(image, before)
        assert after != before
        page.close()


def test_voila_dashboard(browser, tmp_path):
    port = _free_port()
    command = [str(BIN / "voila"), "dashboard.ipynb", "--no-browser", f"--port={port}",
               "--Voila.ip=127.0.0.1"]
    with _server(command, f"http://127.0.0.1:{port}/", tmp_path / "voila.log",
                 ROOT / "notebooks", _environment(tmp_path), timeout=120):
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.goto(f"http://127.0.0.1:{port}/", timeout=120_000)
        image = page.locator("img.widget-image").first
        image.wait_for(state="visible", timeout=120_000)
        assert page.locator(".jp-InputArea-editor, .CodeMirror").count() == 0  # no code shown
        time.sleep(1.0)
        before = image.screenshot()
        _pick_year(page, "2010")
        assert _wait_until_changed(image, before) != before
        page.close()
