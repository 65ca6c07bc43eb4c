"""Fixtures for the tests in a real browser: Debian's chromium driven by Playwright.

Screenshots go to test-artifacts/. Loaded as a pytest plugin (pyproject.toml: -p tests.browser),
so every test module can ask for `chromium`, `tab` and `phone_tab`.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="module")
def chromium():
    """Debian's chromium, started once for the module; each test opens its own tabs.

    While Playwright's sync API is started, this thread has an event loop marked as
    running, so Django takes it for async code. It then refuses database calls unless
    told they are safe (they are: the live server answers in threads of its own), and
    looks connections up in a separate store for async code, where it would open a new
    connection: one without the migrations' rows, which serialized_rollback keeps on
    the connection the test database was set up with. So that store gets the usual one.
    """
    if not shutil.which(CHROMIUM):
        reason = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    usual_connection = connections[DEFAULT_DB_ALIAS]
    with pytest.MonkeyPatch.context() as monkeypatch, sync_playwright() as playwright:
        monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        connections[DEFAULT_DB_ALIAS] = usual_connection
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class Tab:
    """A browser tab on the live server that records console errors and CSP violations."""

    def __init__(self, browser, base_url, width=1280, height=900):
        self.context = browser.new_context(
            viewport={"width": width, "height": height}, base_url=base_url
        )
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.console_errors = []
        self.page.on(
            "console",
            lambda message: message.type == "error" and self.console_errors.append(message.text),
        )
        self.page.on("pageerror", lambda error: self.console_errors.append(str(error)))

    def csp_violations(self):
        return [text for text in self.console_errors if "Content Security Policy" in text]

    def screenshot(self, name, full_page=True):
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=full_page)

    def sign_in(self, username, password):
        self.page.goto("/admin/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.click("input[type=submit]")
        self.page.wait_for_url("**/admin/")


@pytest.fixture
def tab(chromium, live_server):
    tab = Tab(chromium, live_server.url)
    yield tab
    tab.context.close()


@pytest.fixture
def phone_tab(chromium, live_server):
    tab = Tab(chromium, live_server.url, width=375, height=740)
    yield tab
    tab.context.close()
