"""The console in a real headless Chromium (Debian's ``chromium`` and ``chromium-driver``,
driven by Selenium) against a real server on loopback: sign-in, every page with the demo's
data, a playground edit that fails the tests and flips a decision, the audit filters, the
analyst refused, a form without its CSRF token refused, no PII in any page's text, keyboard
navigation, and no Content-Security-Policy violation in the browser's log.

Each page is photographed; with ``CONSOLE_SCREENSHOTS=DIR`` the pictures are also copied to DIR
(``docs/console/`` is refreshed that way: see docs/console.md).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from demo.ground_truth import DemoGroundTruth
from gateway.service import Gateway
from tests.conftest import auth
from transports.rest import create_app

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
if CHROMIUM is None or CHROMEDRIVER is None:
    pytest.skip(
        "the console's browser tests need Debian's chromium and chromium-driver "
        "(`make test` installs them as root: apt-get install chromium chromium-driver)",
        allow_module_level=True,
    )

from selenium import webdriver  # noqa: E402  (after the skip: optional in a dev install)
from selenium.common.exceptions import WebDriverException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support import expected_conditions  # noqa: E402
from selenium.webdriver.support.wait import WebDriverWait  # noqa: E402


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(gateway: Gateway) -> Iterator[str]:
    """``hqg``'s app served by uvicorn on a free loopback port, in this process."""
    port = _free_port()
    config = uvicorn.Config(create_app(gateway), host="127.0.0.1", port=port, log_level="error")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(1200):  # up to 120 s on a loaded machine
        if instance.started:
            break
        time.sleep(0.1)
    assert instance.started, "the server did not start"
    # past traffic for the audit log and simulate (the first request loads the engines)
    with httpx.Client(base_url=base, timeout=300) as client:
        client.post(
            "/v1/sql", json={"sql": "SELECT count(*) FROM orders"}, headers=auth("demo-alice")
        )
        client.post(
            "/v1/sql", json={"sql": "SELECT * FROM hr_salaries"}, headers=auth("demo-alice")
        )
        client.post(
            "/v1/sql",
            json={"sql": "SELECT full_name, email FROM customers LIMIT 5"},
            headers=auth("demo-bob", "support"),
        )
    yield base
    instance.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(arg)
    options.add_argument("--window-size=1400,1000")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(300)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("console-shots")


class Pages:
    """Drives the console as a user would, keeping each page's text and a screenshot."""

    def __init__(self, driver: WebDriver, base: str, shots: Path) -> None:
        self.driver, self.base, self.shots = driver, base, shots
        self.texts: list[str] = []

    def open(self, path: str) -> None:
        self.driver.get(self.base + path)

    def keep(self, name: str, *, at: str | None = None) -> str:
        """The page's text, and its screenshot (scrolled to ``at`` when given)."""
        if at is not None:
            target = self.driver.find_element(By.CSS_SELECTOR, at)
            self.driver.execute_script("arguments[0].scrollIntoView();", target)
        text = self.driver.find_element(By.TAG_NAME, "body").text
        self.texts.append(text)
        self.driver.save_screenshot(str(self.shots / f"{name}.png"))
        copy_to = os.environ.get("CONSOLE_SCREENSHOTS")
        if copy_to:
            Path(copy_to).mkdir(parents=True, exist_ok=True)
            shutil.copy(self.shots / f"{name}.png", Path(copy_to) / f"{name}.png")
        return text

    def sign_in(self, key: str) -> None:
        self.driver.delete_all_cookies()
        self.open("/console/signin")
        self.driver.find_element(By.ID, "api_key").send_keys(key)
        self.click('form button[type="submit"]')

    def click(self, css: str) -> None:
        """Click something that loads a new page, and wait for that page."""
        old = self.driver.find_element(By.TAG_NAME, "html")
        self.driver.find_element(By.CSS_SELECTOR, css).click()
        # While the old document is torn down, chromedriver may answer the staleness probe with
        # a generic "Node with given id does not belong to the document" error instead of a
        # stale-element one: that poll is retried (the next one sees the node stale).
        WebDriverWait(self.driver, 180, ignored_exceptions=(WebDriverException,)).until(
            expected_conditions.staleness_of(old)
        )
        self._settle()

    def click_in_place(self, css: str) -> None:
        """Click something htmx answers by swapping part of the page."""
        self.driver.find_element(By.CSS_SELECTOR, css).click()

    def set_value(self, element_id: str, value: str) -> None:
        element = self.driver.find_element(By.ID, element_id)
        self.driver.execute_script("arguments[0].value = arguments[1];", element, value)

    def wait_for(self, css: str, seconds: float = 180) -> None:
        deadline = time.monotonic() + seconds
        while not self.driver.find_elements(By.CSS_SELECTOR, css):
            assert time.monotonic() < deadline, f"{css} never appeared"
            time.sleep(0.2)

    def _settle(self) -> None:
        deadline = time.monotonic() + 180
        while self.driver.execute_script("return document.readyState") != "complete":
            assert time.monotonic() < deadline
            time.sleep(0.1)


@pytest.fixture(scope="module")
def pages(browser: WebDriver, server: str, shots: Path) -> Pages:
    return Pages(browser, server, shots)


def test_signing_in_as_demo_sec_opens_the_access_review(pages: Pages) -> None:
    pages.open("/console/signin")
    pages.keep("signin")
    pages.sign_in("demo-sec")
    assert pages.driver.current_url.endswith("/console/review")
    text = pages.keep("review")
    assert "Access review" in text
    assert "hr_salaries" in text
    assert "tenant_id is 'acme'" in text


def test_a_review_cell_is_explained_in_place(pages: Pages) -> None:
    pages.open("/console/review")
    pages.click_in_place('a[href*="principal=alice"][href*="resource=hr_salaries"]')
    pages.wait_for("#detail #explained")  # htmx swapped the explanation in
    text = pages.keep("review-explain", at="#detail")
    assert "alice on dataset hr_salaries" in text
    assert "Reasons" in text


def test_every_page_renders_with_the_demo_data(pages: Pages) -> None:
    expected = {
        "playground": "Candidate bundle",
        "audit": "records on this page",
        "usage": "Per tenant",
        "freshness": "support_tickets",
    }
    for name, marker in expected.items():
        pages.open(f"/console/{name}")
        assert marker in pages.keep(name), name


def test_a_playground_edit_fails_the_tests_and_flips_a_decision(pages: Pages) -> None:
    pages.open("/console/playground")
    area = pages.driver.find_element(By.ID, "data_json")
    data = json.loads(area.get_attribute("value") or "{}")
    data["hqg_config"]["roles"]["analyst"]["actions"].remove("sql")
    pages.set_value("data_json", json.dumps(data, indent=2))
    pages.click('button[formaction$="/playground/test"]')
    pages.wait_for("#tests")
    text = pages.keep("playground-tests", at="#tests")
    assert "failed" in text
    assert "test_allow_analyst_sql_for_analytics" in text

    area = pages.driver.find_element(By.ID, "data_json")
    assert '"sql"' not in json.dumps(
        json.loads(area.get_attribute("value") or "{}")["hqg_config"]["roles"]["analyst"]["actions"]
    )  # the edit was kept
    pages.click('button[formaction$="/playground/simulate"]')
    pages.wait_for("#simulation")
    pages.keep("playground-simulate", at="#simulation")
    flips = pages.driver.find_element(By.ID, "simulation").text
    assert "allow->deny" in flips
    assert "alice" in flips


def test_the_playground_explains_a_request(pages: Pages) -> None:
    pages.open("/console/playground")
    pages.driver.find_element(By.CSS_SELECTOR, '#principal option[value="alice"]').click()
    pages.set_value("sql", "SELECT full_name, email FROM customers")
    pages.click('#playground button[type="submit"]:not([formaction])')
    pages.wait_for("#explained")
    text = pages.keep("playground-explain", at="#explained")
    assert "SQL as it would execute" in text
    assert "customers.email" in text


def test_the_audit_filters_narrow_the_results(pages: Pages) -> None:
    pages.open("/console/audit")
    everything = len(pages.driver.find_elements(By.CSS_SELECTOR, "#records tbody tr"))
    pages.set_value("f-principal", "alice")
    pages.driver.find_element(By.CSS_SELECTOR, '#f-outcome option[value="denied"]').click()
    pages.click('#filters button[type="submit"]')
    rows = pages.driver.find_elements(By.CSS_SELECTOR, "#records tbody tr")
    texts = [row.text for row in rows]
    pages.keep("audit-filtered")
    assert 0 < len(rows) < everything
    assert all("alice" in t and "denied" in t for t in texts)
    pages.click("#records tbody tr a")
    assert "Decision reasons" in pages.keep("audit-record")


def test_verify_now_reports_the_chain(pages: Pages) -> None:
    pages.open("/console/audit")
    pages.click_in_place('#chain button[type="submit"]')
    deadline = time.monotonic() + 180  # the result replaces the progress when it is done
    while "intact" not in pages.driver.find_element(By.ID, "verify-result").text:
        assert time.monotonic() < deadline, "the verification never finished"
        time.sleep(0.2)
    assert "intact" in pages.keep("audit-verify", at="#chain")


def test_a_form_without_its_csrf_token_is_refused(pages: Pages) -> None:
    pages.open("/console/review")
    pages.driver.execute_script("document.querySelector('form.signout input[name=csrf]').remove();")
    pages.click("form.signout button")
    text = pages.keep("csrf-refused")
    assert "CSRF" in text
    pages.open("/console/review")
    assert pages.driver.current_url.endswith("/console/review")  # still signed in


def test_keyboard_navigation_reaches_the_skip_link_then_the_pages(pages: Pages) -> None:
    pages.open("/console/review")
    body = pages.driver.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    active = pages.driver.switch_to.active_element
    assert active.text == "Skip to content"
    active.send_keys(Keys.TAB)
    assert pages.driver.switch_to.active_element.text == "Access review"


def test_no_content_security_policy_violation_was_logged(pages: Pages) -> None:
    logs: list[dict[str, Any]] = pages.driver.get_log("browser")  # type: ignore[no-untyped-call]
    violations = [e["message"] for e in logs if "Content Security Policy" in e["message"]]
    assert violations == []


def test_signing_out_ends_the_session(pages: Pages) -> None:
    pages.open("/console/review")
    pages.click("form.signout button")
    assert pages.driver.current_url.endswith("/console/signin")
    pages.open("/console/audit")
    assert pages.driver.current_url.endswith("/console/signin")


def test_demo_alice_is_refused(pages: Pages) -> None:
    pages.sign_in("demo-alice")
    text = pages.keep("refused")
    assert "policy_denied" in text
    pages.open("/console/review")
    assert pages.driver.current_url.endswith("/console/signin")


def test_no_ground_truth_pii_value_appears_in_any_page(
    pages: Pages, truth: DemoGroundTruth
) -> None:
    pii = frozenset().union(*(c.pii for c in truth.tenants.values()))
    assert len(pages.texts) >= 10
    leaked = sorted(value for value in pii if any(value in text for text in pages.texts))
    assert leaked == []
