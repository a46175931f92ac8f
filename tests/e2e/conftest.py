"""E2E fixtures: one real Appium 3 server per test session, simulated phones per test (zero latency).

Tests talk to Appium with the Appium-Python-Client, by hand-written calls, the way a user's script would;
the LinkedInSim driver forwards them to the phone. `AppUI` holds those calls for the LinkedIn path.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest
from appium import webdriver
from appium.options.common import AppiumOptions
from lxml import etree
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from mobile.reach.appium_install import ensure_drivers
from mobile.reach.appium_server import AppiumServer
from mobile.core.tree import xpath_literal
import mobile.sim.launch as launch
from mobile.sim.launch import SimHandle, start_phone
from support import http_json

APP_IDS = {"android": "com.linkedin.android", "ios": "com.linkedin.LinkedIn"}
ANDROID_ACTIVITY = "com.linkedin.android.authenticator.LaunchActivity"
# Upper bound for conditions that hold at once at zero latency; generous so a loaded CI machine passes.
WAIT_S = 10.0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/e2e is an e2e test."""
    for item in items:
        if "/tests/e2e/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def appium_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppiumServer]:
    """The pinned Appium 3 on 127.0.0.1 with the project-local APPIUM_HOME; started once per session."""
    ensure_drivers()
    server = AppiumServer(log_path=tmp_path_factory.mktemp("appium") / "appium.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sim_phone() -> Iterator[Callable[..., SimHandle]]:
    """Factory: start_phone(platform, scenario) with latency 0 unless given; all stopped after the test."""
    handles: list[SimHandle] = []

    def start(platform: str = "android", scenario: str = "default", latency_scale: float = 0.0) -> SimHandle:
        handle = start_phone(platform, scenario, latency_scale=latency_scale)
        handles.append(handle)
        return handle

    yield start
    for handle in handles:
        handle.stop()


def sim_options(platform: str, sim_url: str, **extra: Any) -> AppiumOptions:
    """The capabilities `linkedin-optout sim serve` prints for a phone."""
    options = AppiumOptions()
    options.set_capability("platformName", "Android" if platform == "android" else "iOS")
    options.set_capability("appium:automationName", "LinkedInSim")
    options.set_capability("appium:simServer", sim_url)
    if platform == "android":
        options.set_capability("appium:appPackage", APP_IDS["android"])
        options.set_capability("appium:appActivity", ANDROID_ACTIVITY)
    else:
        options.set_capability("appium:bundleId", APP_IDS["ios"])
    options.set_capability("appium:noReset", True)
    for name, value in extra.items():
        options.set_capability(name, value)
    return options


@pytest.fixture
def appium_session(appium_server: AppiumServer) -> Iterator[Callable[..., webdriver.Remote]]:
    """Factory: a new Appium session on a phone; every session still open is quit after the test."""
    drivers: list[webdriver.Remote] = []

    def open_session(handle: SimHandle, **extra: Any) -> webdriver.Remote:
        driver = webdriver.Remote(appium_server.url, options=sim_options(handle.platform, handle.url, **extra))
        drivers.append(driver)
        return driver

    yield open_session
    for driver in drivers:
        try:
            driver.quit()
        except Exception:  # noqa: BLE001 - tests quit sessions themselves; a second quit may fail
            pass


class AppUI:
    """Hand-written Appium client calls that walk the LinkedIn path on one simulated phone."""

    def __init__(self, driver: webdriver.Remote, handle: SimHandle):
        self.driver = driver
        self.handle = handle
        self.platform = handle.platform
        self.labels = handle.phone.scenario.label_table()

    def tappable(self, text: str) -> str:
        """XPath of the tappable node showing `text` (Android text/content-desc, iOS label)."""
        lit = xpath_literal(text)
        if self.platform == "android":
            return f"//*[@clickable='true' and (@text={lit} or @content-desc={lit})]"
        kinds = "self::XCUIElementTypeButton or self::XCUIElementTypeLink or self::XCUIElementTypeImage"
        return f"//*[({kinds}) and @label={lit}]"

    def tap_text(self, text: str) -> None:
        """Find the node by XPath and click it (an element click)."""
        self.driver.find_element(By.XPATH, self.tappable(text)).click()

    def open_side_panel(self) -> None:
        """The profile photo, found by accessibility id."""
        self.driver.find_element("accessibility id", self.labels["profile_photo"]).click()

    def open_genai_page(self) -> None:
        """Home -> side panel -> Settings -> Data privacy -> Data for Generative AI Improvement."""
        self.open_side_panel()
        self.tap_text(self.labels["settings"])
        self.tap_text(self.labels["data_privacy"])
        self.tap_text(self.labels["genai_setting"])

    def switch_xpath(self) -> str:
        """The switch in the row labelled with the setting's toggle label (never 'any switch')."""
        lit = xpath_literal(self.labels["genai_toggle"])
        if self.platform == "android":
            return f"//*[@text={lit}]/following-sibling::*[@checkable='true']"
        return f"//XCUIElementTypeSwitch[@label={lit}]"

    def switch_state(self) -> str | None:
        """'on'/'off' read from ONE page source (None when the switch is not on screen)."""
        doc = etree.fromstring(self.driver.page_source.encode("utf-8"))
        found = doc.xpath(self.switch_xpath())
        if not found:
            return None
        if self.platform == "android":
            return "on" if found[0].get("checked") == "true" else "off"
        return "on" if found[0].get("value") == "1" else "off"

    def flip_switch(self) -> None:
        """Click the switch element."""
        self.driver.find_element(By.XPATH, self.switch_xpath()).click()

    def wait_for(self, condition: Callable[[], Any], timeout: float = WAIT_S) -> Any:
        """Poll `condition` through Appium until it is truthy."""
        return WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(lambda _: condition())


def sim_get(handle: SimHandle, path: str) -> Any:
    """GET one of the phone's /sim/* endpoints."""
    status, document = http_json(f"{handle.url}{path}", timeout=10)
    assert status == 200, document
    return document["value"]


@pytest.fixture
def phone_logs(monkeypatch: pytest.MonkeyPatch) -> list[list[dict[str, Any]]]:
    """The /sim/log of every phone the CLI starts (in-process), fetched over HTTP right before it stops."""
    logs: list[list[dict[str, Any]]] = []
    real_start = launch.start_phone

    def start(*args: Any, **kwargs: Any) -> SimHandle:
        handle = real_start(*args, **kwargs)
        real_stop = handle.stop
        fetched = False

        def stop() -> None:
            nonlocal fetched
            if not fetched:  # stop() is idempotent: the log is taken at the first one
                fetched = True
                logs.append(sim_get(handle, "/sim/log"))
            real_stop()
        handle.stop = stop  # type: ignore[method-assign]
        return handle

    monkeypatch.setattr(launch, "start_phone", start)
    return logs


@pytest.fixture
def linkedin(sim_phone: Callable[..., SimHandle], appium_session: Callable[..., webdriver.Remote]) -> Callable[..., AppUI]:
    """Factory: a phone for the scenario, an Appium session on it, and the AppUI that drives it."""

    def open_app(platform: str = "android", scenario: str = "default", latency_scale: float = 0.0,
                 **caps: Any) -> AppUI:
        handle = sim_phone(platform, scenario, latency_scale)
        return AppUI(appium_session(handle, **caps), handle)

    return open_app


@pytest.fixture
def sim() -> Callable[[SimHandle, str], Any]:
    """GET /sim/state or /sim/log of a phone (outside the W3C surface)."""
    return sim_get
