"""Tree parsing: node fields, navigation, XPath exactness, toggle state and error messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from mobile.core.tree import Bounds, detect_platform, parse_page_source
from mobile.errors import PageSourceError

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ALL = sorted(FIXTURES.glob("*/*/*.xml"))
A_HEAD = ("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n"
          '<hierarchy index="0" class="hierarchy" rotation="0" width="1080" height="2400">')


def load(rel: str):
    return parse_page_source((FIXTURES / rel).read_bytes())


def by_id(tree, rid):
    (node,) = [n for n in tree.nodes if n.id == rid]
    return node


def test_fixture_set_is_complete():
    names = {p.relative_to(FIXTURES).as_posix() for p in ALL}
    for plat in ("android", "ios"):
        for loc in ("en", "nl", "de", "fr"):
            for screen in ("home", "side_panel", "settings", "data_privacy", "genai_on", "genai_off"):
                assert f"{plat}/{loc}/{screen}.xml" in names


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.relative_to(FIXTURES).as_posix())
def test_every_xpath_selects_exactly_its_node(path):
    data = path.read_bytes()
    tree = parse_page_source(data)
    assert tree.platform == path.parent.parent.name
    assert detect_platform(data) == tree.platform
    doc = etree.fromstring(data)
    elements = list(doc.iter())[1:]  # document order without the wrapper, as Tree.nodes
    assert len(elements) == len(tree.nodes)
    for node, el in zip(tree.nodes, elements):
        hits = doc.xpath(tree.xpath(node))
        assert len(hits) == 1 and hits[0] is el, tree.xpath(node)


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.relative_to(FIXTURES).as_posix())
def test_navigation_is_consistent(path):
    tree = parse_page_source(path.read_bytes())
    for node in tree.nodes:
        for child in tree.children(node):
            assert tree.parent(child) is node
            assert child.path == node.path + (child.path[-1],)
        desc = tree.descendants(node)
        assert all(node in tree.ancestors(d) for d in desc)
        assert len(desc) == sum(1 + len(tree.descendants(c)) for c in tree.children(node))


def test_android_toggle_node_fields():
    tree = load("android/en/genai_on.xml")
    node = by_id(tree, "ember71")
    assert (node.role, node.text, node.checkable, node.checked, node.clickable) == (
        "android.widget.ToggleButton", "", True, True, True)
    assert node.bounds == Bounds(900, 700, 1032, 780) and node.bounds.center == (966, 740)
    assert tree.toggle_state(node) == "on"
    assert tree.in_webview(node)
    assert tree.xpath(node) == ("/hierarchy/android.widget.FrameLayout[1]/android.widget.LinearLayout[1]"
                                "/android.widget.FrameLayout[1]/android.widget.LinearLayout[1]/android.webkit.WebView[1]"
                                "/android.view.View[1]/android.view.View[1]/android.widget.ToggleButton[1]")
    assert (tree.width, tree.height) == (1080, 2400)
    assert tree.toggle_state(by_id(load("android/en/genai_off.xml"), "ember71")) == "off"


def test_webview_ids_and_labels():
    tree = load("android/en/settings.xml")
    web = by_id(tree, "com.linkedin.android:id/infra_web_viewer_webview")
    assert web.role == "android.webkit.WebView" and web.scrollable and not tree.in_webview(web)
    row = by_id(tree, "DATA_PRIVACY")
    assert tree.in_webview(row) and row.clickable
    assert [c.text for c in tree.children(row)] == ["Data privacy"]
    home = load("android/en/home.xml")
    photo = by_id(home, "com.linkedin.android:id/me_launcher_container")
    assert photo.label == "My Profile and Communities" and photo.role == "android.widget.ImageView"
    assert not home.in_webview(photo)


def test_selected_is_never_read():
    tree = load("android/en/genai_off_selected.xml")
    node = by_id(tree, "ember71")
    assert tree.toggle_state(node) == "off"
    tab = by_id(load("android/en/home.xml"), "com.linkedin.android:id/tab_feed")  # selected="true"
    assert not tab.checked and load("android/en/home.xml").toggle_state(tab) is None


def test_checked_is_ignored_on_non_checkable_nodes():
    xml = A_HEAD + ('<android.widget.TextView index="0" package="p" class="android.widget.TextView" text="x" '
                    'checkable="false" checked="true" bounds="[0,0][10,10]" displayed="true" /></hierarchy>')
    tree = parse_page_source(xml)
    assert tree.root.checked is False and tree.toggle_state(tree.root) is None


def test_missing_attributes_read_as_defaults():
    xml = A_HEAD + '<android.widget.Switch checkable="true"><android.view.View /></android.widget.Switch></hierarchy>'
    tree = parse_page_source(xml)
    sw, child = tree.nodes
    assert sw.role == "android.widget.Switch"  # no class attribute: the tag
    assert child.role == "android.view.View" and child.text == "" and child.label == "" and child.id == ""
    assert sw.enabled and sw.displayed and not sw.clickable and sw.bounds == Bounds(0, 0, 0, 0)
    assert tree.toggle_state(sw) is None  # checkable but no checked attribute: unknown, never "off"


def test_ios_fields_and_states():
    tree = load("ios/en/genai_on.xml")
    (sw,) = [n for n in tree.nodes if n.role == "XCUIElementTypeSwitch"]
    assert sw.value == "1" and sw.label == "Use my data for training content creation AI models"
    assert sw.bounds == Bounds(320, 268, 371, 299) and tree.toggle_state(sw) == "on"
    assert tree.in_webview(sw) and sw.text == "" and sw.clickable
    assert (tree.platform, tree.width, tree.height, tree.root.role) == ("ios", 390, 844, "XCUIElementTypeApplication")
    assert tree.xpath(tree.root) == "/AppiumAUT/XCUIElementTypeApplication[1]"
    for rel, want in (("ios/en/genai_off.xml", "off"), ("ios/en/genai_off_truefalse.xml", "off")):
        t = load(rel)
        (s,) = [n for n in t.nodes if n.role == "XCUIElementTypeSwitch"]
        assert t.toggle_state(s) == want


def test_ios_visible_false_and_odd_switch_value():
    xml = ('<?xml version="1.0" encoding="UTF-8"?><AppiumAUT><XCUIElementTypeApplication '
           'type="XCUIElementTypeApplication" x="0" y="0" width="390" height="844">'
           '<XCUIElementTypeSwitch type="XCUIElementTypeSwitch" value="maybe" visible="false" enabled="false" '
           'x="1.5" y="2" width="10" height="10"/></XCUIElementTypeApplication></AppiumAUT>')
    tree = parse_page_source(xml)
    sw = tree.nodes[1]
    assert not sw.displayed and not sw.enabled and sw.bounds == Bounds(2, 2, 12, 12)
    assert tree.toggle_state(sw) is None


@pytest.mark.parametrize("xml, fragment", [
    (A_HEAD + '<android.widget.FrameLayout index="0"', "line 2, column"),
    (A_HEAD + "<a></b></hierarchy>", "mismatched tag at line 2, column"),
    ("", "no element found"),
    ("<hierarchy><a x='1' x='2'/></hierarchy>", "duplicate attribute at line 1, column"),
])
def test_malformed_xml_gives_one_line_message(xml, fragment):
    with pytest.raises(PageSourceError) as err:
        parse_page_source(xml)
    msg = str(err.value)
    assert fragment in msg and "\n" not in msg and msg.startswith("page source is not well-formed XML")


def test_truncated_fixture_is_rejected():
    data = (FIXTURES / "android/en/genai_on.xml").read_bytes()
    with pytest.raises(PageSourceError, match=r"line \d+, column \d+"):
        parse_page_source(data[: len(data) // 2])


def test_unknown_root_and_platform_mismatch():
    with pytest.raises(PageSourceError, match="unknown page-source root <html>"):
        parse_page_source("<html><body/></html>")
    with pytest.raises(PageSourceError, match="unknown page-source root <html>"):
        detect_platform("<?xml version='1.0'?><!-- c --><html/>")
    with pytest.raises(PageSourceError, match="platform 'ios'"):
        parse_page_source(A_HEAD + "</hierarchy>", platform="ios")
    with pytest.raises(PageSourceError, match="no elements"):
        _ = parse_page_source(A_HEAD + "</hierarchy>").root
    assert detect_platform(b"<?xml version='1.0'?>\n<!-- saved -->\n<AppiumAUT/>") == "ios"


def test_multiple_windows_are_top_level_nodes():
    xml = A_HEAD + ('<android.widget.FrameLayout class="android.widget.FrameLayout" bounds="[0,0][1080,2400]"/>'
                    '<android.widget.FrameLayout class="android.widget.FrameLayout" bounds="[0,1800][1080,2400]">'
                    '<android.widget.Button class="android.widget.Button" text="OK"/></android.widget.FrameLayout>'
                    '</hierarchy>')
    tree = parse_page_source(xml)
    assert [n.index for n in tree.top_level] == [0, 1]
    assert tree.xpath(tree.nodes[2]) == "/hierarchy/android.widget.FrameLayout[2]/android.widget.Button[1]"
    assert tree.parent(tree.nodes[1]) is None and tree.ancestors(tree.nodes[2]) == (tree.nodes[1],)


def test_str_input_with_encoding_declaration_and_entities():
    xml = A_HEAD + '<android.widget.TextView class="android.widget.TextView" text="Sign in &amp; security"/></hierarchy>'
    assert parse_page_source(xml).root.text == "Sign in & security"
