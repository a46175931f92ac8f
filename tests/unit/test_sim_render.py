"""Format rules of the simulated phone's page sources: every screen of every scenario, both platforms."""

from __future__ import annotations

import re

import pytest
from lxml import etree

from mobile.sim import Phone, known_scenarios, load_scenario

ANDROID_HEADER = "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>"
ANDROID_ORDER = [
    "index", "package", "class", "text", "original-text", "content-desc", "resource-id", "checkable", "checked",
    "clickable", "enabled", "focusable", "focused", "long-clickable", "password", "scrollable", "selection-start",
    "selection-end", "selected", "bounds", "displayed", "hint", "extras", "a11y-important",
    "screen-reader-focusable", "input-type", "drawing-order", "showing-hint", "text-entry-key", "multiline",
    "dismissable", "a11y-focused", "heading", "live-region", "context-clickable", "max-text-length",
    "content-invalid", "error", "pane-title", "tooltip-text", "text-has-clickable-span", "actions", "window-id",
]
ANDROID_REQUIRED = ["index", "package", "class", "text", "checkable", "checked", "clickable", "enabled", "focusable",
                    "focused", "long-clickable", "password", "scrollable", "selected", "bounds", "displayed"]
ANDROID_BOOLS = {"checkable", "checked", "clickable", "enabled", "focusable", "focused", "long-clickable",
                 "password", "scrollable", "selected", "displayed", "a11y-important", "screen-reader-focusable",
                 "showing-hint", "text-entry-key", "dismissable", "a11y-focused", "heading", "context-clickable",
                 "content-invalid"}
IOS_HEADER = '<?xml version="1.0" encoding="UTF-8"?>'
IOS_ORDER = ["type", "value", "name", "label", "enabled", "visible", "accessible", "x", "y", "width", "height",
             "index"]
IOS_APP_ATTRS = ["type", "name", "label", "enabled", "visible", "accessible", "x", "y", "width", "height", "index"]
BOUNDS = re.compile(r"^\[(-?\d+),(-?\d+)\]\[(-?\d+),(-?\d+)\]$")


def _in_order(names: list[str], order: list[str]) -> bool:
    positions = [order.index(n) for n in names if n in order]
    return len(positions) == len(names) and positions == sorted(positions) and len(set(names)) == len(names)


def check_android(xml: str, width: int = 1080, height: int = 2400) -> None:
    """Raise AssertionError where the XML breaks a UiAutomator2 format rule."""
    assert xml.split("\n", 1)[0] == ANDROID_HEADER, "header"
    root = etree.fromstring(xml.encode("utf-8"))
    assert root.tag == "hierarchy"
    assert list(root.attrib.items()) == [("index", "0"), ("class", "hierarchy"), ("rotation", "0"),
                                         ("width", str(width)), ("height", str(height))], "root attributes"
    assert len(root) >= 1, "empty hierarchy"
    for el in root.iter():
        if el is root:
            continue
        names = list(el.attrib)
        assert _in_order(names, ANDROID_ORDER), f"attribute order {names}"
        assert all(n in el.attrib for n in ANDROID_REQUIRED), f"missing attributes on {el.tag}"
        assert el.tag == el.get("class"), "tag is the class name"
        for name in ANDROID_BOOLS & set(names):
            assert el.get(name) in ("true", "false"), f"{name}={el.get(name)!r}"
        if el.get("checkable") == "false":
            assert el.get("checked") == "false"
        match = BOUNDS.match(el.get("bounds"))
        assert match, f"bounds {el.get('bounds')!r}"
        l, t, r, b = map(int, match.groups())
        assert 0 <= l <= r <= width and 0 <= t <= b <= height, f"bounds off screen {el.get('bounds')}"
        for name in ("content-desc", "resource-id"):
            assert el.get(name) != "", f"null {name} must be omitted, not empty"
        inside_web = any(a.get("class") == "android.webkit.WebView" for a in el.iterancestors())
        rid = el.get("resource-id")
        if rid is not None:
            assert (":" not in rid) if inside_web else re.match(r"^[\w.]+:id/\w+$", rid), f"resource-id {rid}"
        assert int(el.get("index")) == el.getparent().index(el), "index is the position among siblings"


def check_ios(xml: str, width: int = 390, height: int = 844) -> None:
    """Raise AssertionError where the XML breaks an XCUITest format rule."""
    assert xml.split("\n", 1)[0] == IOS_HEADER, "header"
    root = etree.fromstring(xml.encode("utf-8"))
    assert root.tag == "AppiumAUT" and len(root) == 1
    app = root[0]
    assert app.tag == "XCUIElementTypeApplication" and list(app.attrib) == IOS_APP_ATTRS
    assert (app.get("width"), app.get("height")) == (str(width), str(height))
    for el in app.iter():
        names = list(el.attrib)
        assert _in_order(names, IOS_ORDER), f"attribute order {names}"
        assert el.tag == el.get("type") and el.tag.startswith("XCUIElementType")
        for name in ("enabled", "visible", "accessible"):
            assert el.get(name) in ("true", "false")
        for name in ("x", "y", "width", "height", "index"):
            assert re.match(r"^-?\d+$", el.get(name)), f"{name}={el.get(name)!r}"
        assert 0 <= int(el.get("x")) and int(el.get("x")) + int(el.get("width")) <= width
        assert 0 <= int(el.get("y")) and int(el.get("y")) + int(el.get("height")) <= height
        if el.tag == "XCUIElementTypeSwitch":
            assert el.get("value") in ("0", "1")
        if el.get("label") is not None and el.get("name") is None:
            raise AssertionError("name falls back to the label")


CASES = [(s, p) for s in known_scenarios() for p in ("android", "ios")]


@pytest.mark.parametrize("scenario,platform", CASES)
def test_every_screen_of_every_scenario_follows_the_format(scenario, platform):
    phone = Phone(platform, scenario, latency_scale=0)
    checker = check_android if platform == "android" else check_ios
    for screen in phone.scenario.screens:
        xml = phone.source_of(screen)
        try:
            checker(xml)
        except AssertionError as exc:
            raise AssertionError(f"{scenario}/{platform}/{screen}: {exc}") from exc


def test_checkers_reject_broken_sources():
    good = Phone("android", latency_scale=0).source_of("genai")
    check_android(good)
    broken = [
        good.replace(ANDROID_HEADER, '<?xml version="1.0"?>'),
        good.replace('text="" checkable', 'checkable', 1),  # text missing
        re.sub(r'(checkable="false") (checked="false")', r'\2 \1', good, count=1),  # order
        good.replace('bounds="[0,0][1080,2400]"', 'bounds="0,0,1080,2400"', 1),
        good.replace('clickable="true"', 'clickable="True"', 1),
        good.replace('resource-id="com.linkedin.android:id/infra_web_viewer_webview"', 'resource-id=""'),
    ]
    for xml in broken:
        with pytest.raises(AssertionError):
            check_android(xml)
    ios = Phone("ios", latency_scale=0).source_of("genai")
    check_ios(ios)
    with pytest.raises(AssertionError):
        check_ios(ios.replace('value="1"', 'value="true"'))
    with pytest.raises(AssertionError):
        check_ios(ios.replace('<AppiumAUT>', '<Root>').replace('</AppiumAUT>', '</Root>'))


def test_android_webview_nodes_have_bare_ids_and_native_nodes_package_ids():
    xml = Phone("android", latency_scale=0).source_of("settings")
    assert 'resource-id="ACCOUNT"' in xml and 'resource-id="sign_out"' in xml
    assert 'resource-id="com.linkedin.android:id/infra_web_viewer_webview"' in xml
    assert 'package="com.linkedin.android"' in xml


def test_switch_rendering_both_platforms_and_variants():
    android = Phone("android", latency_scale=0).source_of("genai")
    assert re.search(r'<android\.widget\.ToggleButton [^>]*text="On" checkable="true" checked="true" '
                     r'clickable="true"', android)
    legacy = Phone("android", "webview-legacy", latency_scale=0).source_of("genai")
    assert re.search(r'<android\.widget\.CheckBox [^>]*text="" checkable="true" checked="true"', legacy)
    ios = Phone("ios", "already-off", latency_scale=0).source_of("genai")
    label = load_scenario("default").labels["en"]["genai_toggle"]
    assert (f'<XCUIElementTypeSwitch type="XCUIElementTypeSwitch" value="0" name="{label}" label="{label}" '
            f'enabled="true" visible="true" accessible="true"') in ios


def test_ios_app_and_system_screens():
    phone = Phone("ios", latency_scale=0)
    assert 'name="SpringBoard"' in phone.source_of("launcher")
    assert '<XCUIElementTypeApplication type="XCUIElementTypeApplication" name="LinkedIn" label="LinkedIn" ' \
           'enabled="true" visible="true" accessible="false" x="0" y="0" width="390" height="844" index="0">' \
           in phone.source_of("home")
    android = Phone("android", latency_scale=0)
    assert 'package="com.android.permissioncontroller"' in android.source_of("permission_notifications")
    assert "&amp;" in android.source_of("settings")  # "Sign in & security" is escaped
