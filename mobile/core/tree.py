"""Page source (UiAutomator2 or XCUITest XML) -> one platform-neutral, immutable accessibility tree.

Field mapping (see docs/architecture.md):

| Node field | UiAutomator2 (android)              | XCUITest (ios)                        |
| ---------- | ----------------------------------- | ------------------------------------- |
| role       | `class` attribute (tag if absent)   | `type` attribute (tag if absent)      |
| text       | `text`                              | always "" (iOS has no text; see label) |
| label      | `content-desc`                      | `label`                               |
| id         | `resource-id` (bare WebView ids too) | `name`                                |
| value      | always ""                           | `value`                               |
| displayed  | `displayed`                         | `visible`                             |
| bounds     | `bounds` "[l,t][r,b]"               | x, y, width, height                   |

Defaults for absent attributes: strings read "", booleans read False, except `enabled` and `displayed`
which read True: older UiAutomator2 servers emit no `displayed`, and XCUITest drops `visible`/`enabled`
when they are listed in `pageSourceExcludedAttributes`; a node that is in the dump is then taken as shown.
Bounds that are absent or garbled read as Bounds(0, 0, 0, 0).

Toggle state: on Android `checked` counts only where `checkable="true"` (Node.checked is False otherwise,
because the server writes checked="false" on every node); on iOS a node is checkable when its type is
XCUIElementTypeSwitch/XCUIElementTypeToggle and checked when its value is "1" (or "true"). The `selected`
attribute is never read: it means "selected tab/item", not "switch on".

Additions to the contract (no deviations): `Bounds.width/height/contains`, `Tree.top_level` (a
UiAutomator2 dump holds one top-level node per window), `Tree.memo` (per-tree cache for derived indexes).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, TypeVar

from mobile.errors import PageSourceError

Platform = Literal["android", "ios"]
ToggleState = Literal["on", "off"]
T = TypeVar("T")

ANDROID_ROOT = "hierarchy"
IOS_ROOT = "AppiumAUT"
WEBVIEW_ROLES = frozenset({"android.webkit.WebView", "XCUIElementTypeWebView"})
IOS_TOGGLE_TYPES = frozenset({"XCUIElementTypeSwitch", "XCUIElementTypeToggle"})

_BOUNDS_RE = re.compile(r"\[(-?\d+),(-?\d+)\]\[(-?\d+),(-?\d+)\]")
_FIRST_TAG_RE = re.compile(rb"<\s*([A-Za-z_][\w.\-:]*)")
# XPath NameTest: tags that are plain XML names go in as-is; anything else via name()=...
_XPATH_NAME_RE = re.compile(r"^[A-Za-z_][\w.\-]*$")


@dataclass(frozen=True, slots=True)
class Bounds:
    """A screen rectangle in device pixels (iOS: points)."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        """Width, never negative."""
        return max(0, self.right - self.left)

    @property
    def height(self) -> int:
        """Height, never negative."""
        return max(0, self.bottom - self.top)

    @property
    def center(self) -> tuple[int, int]:
        """The point a tap on this rectangle should hit."""
        return ((self.left + self.right) // 2, (self.top + self.bottom) // 2)

    def contains(self, other: Bounds) -> bool:
        """True when `other` lies entirely inside this rectangle."""
        return (self.left <= other.left and self.top <= other.top
                and other.right <= self.right and other.bottom <= self.bottom)


ZERO_BOUNDS = Bounds(0, 0, 0, 0)


@dataclass(frozen=True, slots=True)
class Node:
    """One accessibility node; `index` is its position in `Tree.nodes` (document order)."""

    index: int
    role: str
    text: str
    label: str
    id: str
    value: str
    checkable: bool
    checked: bool
    enabled: bool
    displayed: bool
    clickable: bool
    scrollable: bool
    bounds: Bounds
    path: tuple[int, ...]
    parent_index: int | None
    child_indices: tuple[int, ...]


@dataclass(frozen=True, slots=True, eq=False)
class Tree:
    """An immutable tree of Nodes with navigation, XPath and toggle-state helpers."""

    platform: Platform
    width: int
    height: int
    nodes: tuple[Node, ...]
    root_tag: str
    # Parallel per-node tuples, private: tag, 1-based position among same-tag siblings, end of subtree
    # (exclusive, so descendants are one slice), inside-a-WebView flag, state-unknown flag.
    _tags: tuple[str, ...] = field(repr=False)
    _tag_pos: tuple[int, ...] = field(repr=False)
    _subtree_end: tuple[int, ...] = field(repr=False)
    _webview: tuple[bool, ...] = field(repr=False)
    _state_unknown: frozenset[int] = field(repr=False)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def root(self) -> Node:
        """The first element under the root wrapper (`hierarchy` / `AppiumAUT`)."""
        if not self.nodes:
            raise PageSourceError("page source has no elements under its root")
        return self.nodes[0]

    @property
    def top_level(self) -> tuple[Node, ...]:
        """All elements directly under the root wrapper (one per window on Android)."""
        return tuple(n for n in self.nodes if n.parent_index is None)

    def parent(self, node: Node) -> Node | None:
        """The parent node, or None for a top-level node."""
        return None if node.parent_index is None else self.nodes[node.parent_index]

    def children(self, node: Node) -> tuple[Node, ...]:
        """Direct children in document order."""
        return tuple(self.nodes[i] for i in node.child_indices)

    def ancestors(self, node: Node) -> tuple[Node, ...]:
        """Ancestors, nearest first."""
        out: list[Node] = []
        i = node.parent_index
        while i is not None:
            out.append(self.nodes[i])
            i = self.nodes[i].parent_index
        return tuple(out)

    def descendants(self, node: Node) -> tuple[Node, ...]:
        """All descendants in document order (the node itself excluded)."""
        return self.nodes[node.index + 1:self._subtree_end[node.index]]

    def subtree_end(self, node: Node) -> int:
        """Index one past the node's last descendant: its subtree is nodes[node.index:end]."""
        return self._subtree_end[node.index]

    def is_ancestor(self, ancestor: Node, node: Node) -> bool:
        """True when `ancestor` is a proper ancestor of `node`."""
        return ancestor.index < node.index < self._subtree_end[ancestor.index]

    def xpath(self, node: Node) -> str:
        """Absolute XPath that selects exactly this node in the original XML."""
        steps: list[str] = []
        i: int | None = node.index
        while i is not None:
            tag = self._tags[i]
            test = tag if _XPATH_NAME_RE.match(tag) else "*[name()=%s]" % _xpath_literal(tag)
            steps.append(f"{test}[{self._tag_pos[i]}]")
            i = self.nodes[i].parent_index
        steps.append(self.root_tag)
        return "/" + "/".join(reversed(steps))

    def toggle_state(self, node: Node) -> ToggleState | None:
        """"on"/"off" for a checkable node whose state is known, else None."""
        if not node.checkable or node.index in self._state_unknown:
            return None
        return "on" if node.checked else "off"

    def in_webview(self, node: Node) -> bool:
        """True when the node is inside (not itself) a WebView."""
        return self._webview[node.index]

    def memo(self, key: str, compute: Callable[[Tree], T]) -> T:
        """Compute a derived index once per tree (the tree itself never changes)."""
        try:
            return self._cache[key]  # type: ignore[no-any-return]
        except KeyError:
            value = self._cache[key] = compute(self)
            return value


def _xpath_literal(s: str) -> str:
    """Quote a string for XPath 1.0, which has no escape sequences."""
    if "'" not in s:
        return f"'{s}'"
    if '"' not in s:
        return f'"{s}"'
    return "concat(" + ", \"'\", ".join(f"'{p}'" for p in s.split("'")) + ")"


def _to_bytes(xml: str | bytes) -> bytes:
    """Encode text input; a str may carry an encoding declaration that ET would refuse."""
    return xml.encode("utf-8") if isinstance(xml, str) else xml


def detect_platform(xml: str | bytes) -> Platform:
    """"android" for a `hierarchy` root, "ios" for `AppiumAUT`; PageSourceError otherwise."""
    data = _to_bytes(xml)
    pos = 0
    # Skip the declaration, comments and processing instructions before the root element.
    while True:
        m = _FIRST_TAG_RE.search(data, pos)
        if m is None:
            raise PageSourceError("page source has no root element (empty or not XML)")
        if data[m.start() + 1:m.start() + 2] in (b"?", b"!"):
            pos = m.end()
            continue
        break
    return _platform_of_root(m.group(1).decode("utf-8", "replace"))


def _platform_of_root(tag: str) -> Platform:
    if tag == ANDROID_ROOT:
        return "android"
    if tag == IOS_ROOT:
        return "ios"
    raise PageSourceError(
        f"unknown page-source root <{tag}>: expected <{ANDROID_ROOT}> (UiAutomator2) or <{IOS_ROOT}> (XCUITest)")


def _int(s: str | None) -> int:
    """Parse an int attribute that XCUITest may write as a float; garbage reads 0."""
    if not s:
        return 0
    try:
        return int(s)
    except ValueError:
        try:
            return int(round(float(s)))
        except ValueError:
            return 0


def parse_page_source(xml: str | bytes, platform: str | None = None) -> Tree:
    """Parse a UiAutomator2 or XCUITest page source; malformed XML raises PageSourceError."""
    data = _to_bytes(xml)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        line, col = e.position
        reason = str(e).split(":")[0]
        raise PageSourceError(f"page source is not well-formed XML: {reason} at line {line}, column {col + 1}") from None
    detected = _platform_of_root(root.tag)
    if platform is not None and platform != detected:
        raise PageSourceError(f"page source root <{root.tag}> is {detected}, but platform {platform!r} was asked for")
    return _build(root, detected)


def _build(root: ET.Element, platform: Platform) -> Tree:
    """One pass over the elements in document order (ET's C iterator), then the Nodes."""
    els = list(root.iter())
    del els[0]  # the wrapper (hierarchy / AppiumAUT) is not a node
    n = len(els)
    pos = {id(el): i for i, el in enumerate(els)}
    parents: list[int | None] = [None] * n
    paths: list[tuple[int, ...]] = [()] * n
    tag_pos = [1] * n
    webview = [False] * n
    kids_of: list[tuple[int, ...]] = [()] * n
    tags = [el.tag for el in els]
    role_key = "class" if platform == "android" else "type"
    roles = [el.get(role_key) or el.tag for el in els]

    def link(parent: int | None, parent_path: tuple[int, ...], kids: list[ET.Element], in_wv: bool) -> None:
        seen: dict[str, int] = {}
        for k, child in enumerate(kids):
            c = pos[id(child)]
            parents[c] = parent
            paths[c] = parent_path + (k,)
            seen[child.tag] = tag_pos[c] = seen.get(child.tag, 0) + 1
            webview[c] = in_wv

    link(None, (), list(root), False)
    for i, el in enumerate(els):  # parents come before children, so their paths are already set
        kids = list(el)
        if kids:
            kids_of[i] = tuple(pos[id(c)] for c in kids)
            link(i, paths[i], kids, webview[i] or roles[i] in WEBVIEW_ROLES)
    # A node's subtree ends where its last child's subtree ends; walk backwards so children come first.
    ends = list(range(1, n + 1))
    for i in range(n - 1, -1, -1):
        if kids_of[i]:
            ends[i] = ends[kids_of[i][-1]]

    unknown: set[int] = set()
    if platform == "android":
        # Containers share their bounds with children often; one Bounds per distinct string saves time.
        bounds_cache: dict[str, Bounds] = {}
        nodes = tuple(_android_node(i, els[i].attrib, roles[i], paths[i], parents[i], kids_of[i], unknown,
                                    bounds_cache) for i in range(n))
    else:
        nodes = tuple(_ios_node(i, els[i].attrib, roles[i], paths[i], parents[i], kids_of[i], unknown)
                      for i in range(n))
    width, height = _screen_size(root, nodes, platform)
    return Tree(platform, width, height, nodes, root.tag, tuple(tags), tuple(tag_pos), tuple(ends),
                tuple(webview), frozenset(unknown))


def _android_node(i: int, a: dict[str, str], role: str, path: tuple[int, ...], parent: int | None,
                  kids: tuple[int, ...], unknown: set[int], bounds_cache: dict[str, Bounds]) -> Node:
    """A Node from UiAutomator2 attributes."""
    get = a.get
    checkable = get("checkable") == "true"
    checked = get("checked")
    if checkable and checked is None:
        unknown.add(i)
    b = get("bounds", "")
    bounds = bounds_cache.get(b)
    if bounds is None:
        m = _BOUNDS_RE.fullmatch(b)
        bounds = bounds_cache[b] = Bounds(int(m[1]), int(m[2]), int(m[3]), int(m[4])) if m else ZERO_BOUNDS
    return Node(i, role, get("text", ""), get("content-desc", ""), get("resource-id", ""), "",
                checkable, checkable and checked == "true", get("enabled") != "false", get("displayed") != "false",
                get("clickable") == "true", get("scrollable") == "true", bounds, path, parent, kids)


def _ios_node(i: int, a: dict[str, str], role: str, path: tuple[int, ...], parent: int | None,
              kids: tuple[int, ...], unknown: set[int]) -> Node:
    """A Node from XCUITest attributes (no text, no scrollable; clickable from the element type)."""
    get = a.get
    value = get("value", "")
    checkable = role in IOS_TOGGLE_TYPES
    if checkable and value not in ("0", "1", "true", "false"):
        unknown.add(i)
    x, y = _int(get("x")), _int(get("y"))
    bounds = Bounds(x, y, x + _int(get("width")), y + _int(get("height")))
    return Node(i, role, "", get("label", ""), get("name", ""), value, checkable,
                checkable and value in ("1", "true"), get("enabled") != "false", get("visible") != "false",
                role in _IOS_TAPPABLE, False, bounds, path, parent, kids)


# iOS has no clickable attribute; these types are tappable controls, which is what `clickable` tells.
_IOS_TAPPABLE = frozenset({"XCUIElementTypeButton", "XCUIElementTypeLink", "XCUIElementTypeCell",
                           "XCUIElementTypeSwitch", "XCUIElementTypeToggle", "XCUIElementTypeTab"})


def _screen_size(root: ET.Element, nodes: tuple[Node, ...], platform: Platform) -> tuple[int, int]:
    """Screen size from the root wrapper (Android) or the first element's bounds (iOS application)."""
    if platform == "android":
        w, h = _int(root.get("width")), _int(root.get("height"))
        if w and h:
            return w, h
    if nodes:
        b = nodes[0].bounds
        return b.width, b.height
    return 0, 0
