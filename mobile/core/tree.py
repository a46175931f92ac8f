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

Parsing (performance): one pass of start/end events builds the Nodes; nothing is derived that no caller
asks for (XPath tag positions and the in-WebView flag are computed on demand). The events come from
libxml2 (lxml's parser-target interface, no tree built) for UTF-8 input; a DOCTYPE, anything libxml2
rejects or merely warns about (an unbound prefix), a non-ASCII tag or attribute name (libxml2 takes the XML
1.0 5th-edition name characters, expat those of the 4th) and every other encoding go through expat with
the settings ElementTree uses (namespace separator "}", undefined entities are errors). So what is
accepted, what is read and every error message are those of `xml.etree.ElementTree.fromstring`, as before.
"""

from __future__ import annotations

import re
import xml.parsers.expat as expat
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, TypeVar

from lxml import etree as _lxml

from mobile.errors import PageSourceError

Platform = Literal["android", "ios"]
ToggleState = Literal["on", "off"]
T = TypeVar("T")

ANDROID_ROOT = "hierarchy"
IOS_ROOT = "AppiumAUT"
WEBVIEW_ROLES = frozenset({"android.webkit.WebView", "XCUIElementTypeWebView"})
IOS_TOGGLE_TYPES = frozenset({"XCUIElementTypeSwitch", "XCUIElementTypeToggle"})

BOUNDS_RE = re.compile(r"\[(-?\d+),(-?\d+)\]\[(-?\d+),(-?\d+)\]")
_FIRST_TAG_RE = re.compile(rb"<\s*([A-Za-z_][\w.\-:]*)")
# XPath NameTest: tags that are plain XML names go in as-is; anything else via name()=...
_XPATH_NAME_RE = re.compile(r"^[A-Za-z_][\w.\-]*$")
# The encoding an XML declaration names (the fast path takes UTF-8 only).
_DECL_ENCODING_RE = re.compile(rb"<\?xml[^>]*?\sencoding\s*=\s*[\"']([^\"']*)[\"']")

_new = object.__new__


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
# The frozen dataclass __init__ goes through object.__setattr__ per field; the parser fills the slots directly.
_SET_LEFT, _SET_TOP, _SET_RIGHT, _SET_BOTTOM = (Bounds.__dict__[f].__set__ for f in ("left", "top", "right", "bottom"))


def _bounds(left: int, top: int, right: int, bottom: int) -> Bounds:
    b = _new(Bounds)
    _SET_LEFT(b, left)
    _SET_TOP(b, top)
    _SET_RIGHT(b, right)
    _SET_BOTTOM(b, bottom)
    return b


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


# The parser fills each Node's slots directly (a frozen dataclass __init__ costs four times as much).
(_S_INDEX, _S_ROLE, _S_TEXT, _S_LABEL, _S_ID, _S_VALUE, _S_CHECKABLE, _S_CHECKED, _S_ENABLED, _S_DISPLAYED,
 _S_CLICKABLE, _S_SCROLLABLE, _S_BOUNDS, _S_PATH, _S_PARENT, _S_KIDS) = (Node.__dict__[f].__set__ for f in Node.__slots__)


@dataclass(frozen=True, slots=True, eq=False)
class Tree:
    """An immutable tree of Nodes with navigation, XPath and toggle-state helpers."""

    platform: Platform
    width: int
    height: int
    nodes: tuple[Node, ...]
    root_tag: str
    # Parallel per-node tuples, private: tag, end of subtree (exclusive, so descendants are one slice);
    # the indices whose state is unknown (checkable without a checked attribute / usable value).
    _tags: tuple[str, ...] = field(repr=False)
    _subtree_end: tuple[int, ...] = field(repr=False)
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
        return tuple(self.nodes[i] for i in self._top_level_indices())

    def _top_level_indices(self) -> tuple[int, ...]:
        def compute(tree: Tree) -> tuple[int, ...]:
            out: list[int] = []
            i, n, ends = 0, len(tree.nodes), tree._subtree_end
            while i < n:
                out.append(i)
                i = ends[i]
            return tuple(out)
        return self.memo("tree.top_level", compute)

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
            test = tag if _XPATH_NAME_RE.match(tag) else "*[name()=%s]" % xpath_literal(tag)
            steps.append(f"{test}[{self._tag_position(i)}]")
            i = self.nodes[i].parent_index
        steps.append(self.root_tag)
        return "/" + "/".join(reversed(steps))

    def _tag_position(self, i: int) -> int:
        """1-based position of node i among its same-tag siblings."""
        parent = self.nodes[i].parent_index
        siblings = self._top_level_indices() if parent is None else self.nodes[parent].child_indices
        tags, tag, pos = self._tags, self._tags[i], 0
        for s in siblings:
            if tags[s] == tag:
                pos += 1
            if s == i:
                break
        return pos

    def toggle_state(self, node: Node) -> ToggleState | None:
        """"on"/"off" for a checkable node whose state is known, else None."""
        if not node.checkable or node.index in self._state_unknown:
            return None
        return "on" if node.checked else "off"

    def in_webview(self, node: Node) -> bool:
        """True when the node is inside (not itself) a WebView."""
        nodes = self.nodes
        i = node.parent_index
        while i is not None:
            if nodes[i].role in WEBVIEW_ROLES:
                return True
            i = nodes[i].parent_index
        return False

    def memo(self, key: str, compute: Callable[[Tree], T]) -> T:
        """Compute a derived index once per tree (the tree itself never changes)."""
        try:
            return self._cache[key]  # type: ignore[no-any-return]
        except KeyError:
            value = self._cache[key] = compute(self)
            return value


def xpath_literal(s: str) -> str:
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


class _Builder:
    """Builds the Nodes from start/end events in one pass (a parser target for lxml and for expat).

    start() makes the Node with everything but its children, end() adds the children and the subtree end.
    The wrapper (hierarchy / AppiumAUT) is the first start and is no node. Nothing raises here: a bad
    root is reported after the parse, so that malformed XML is reported first, as ElementTree does.
    """

    __slots__ = ("root", "nodes", "tags", "ends", "unknown", "odd_names", "start", "end")

    def __init__(self, check_names: bool = False) -> None:
        root: list[Any] = []
        odd_names: list[bool] = []  # non-empty once a non-ASCII tag or attribute name was seen (if checked)
        nodes: list[Node] = []
        tags: list[str] = []
        ends: list[int] = []
        kids: list[list[int]] = []
        paths: list[tuple[int, ...]] = []
        unknown: list[int] = []
        top: list[int] = []
        stack: list[int] = []
        bounds_cache: dict[str, Bounds] = {}
        ios = False
        push, pop = stack.append, stack.pop
        nodes_append, tags_append, ends_append, kids_append, paths_append = (
            nodes.append, tags.append, ends.append, kids.append, paths.append)
        new, fullmatch = _new, BOUNDS_RE.fullmatch

        # Plain closures, not methods: lxml passes a namespace map to a start() that takes three arguments.
        def start(tag: str, a: dict[str, str]) -> None:
            nonlocal ios
            if check_names and not (tag.isascii() and "".join(a).isascii()):
                odd_names.append(True)
            if not root:
                root.extend((tag, a))
                ios = tag == IOS_ROOT
                return
            i = len(nodes)
            if stack:
                parent: int | None = stack[-1]
                siblings = kids[parent]  # type: ignore[index]
                path = paths[parent] + (len(siblings),)  # type: ignore[index]
            else:
                parent, siblings, path = None, top, (len(top),)
            siblings.append(i)
            get = a.get
            node = new(Node)
            if ios:
                role = get("type") or tag
                value = get("value", "")
                checkable = role in IOS_TOGGLE_TYPES
                if checkable and value not in ("0", "1", "true", "false"):
                    unknown.append(i)
                x, y = _int(get("x")), _int(get("y"))
                _S_ROLE(node, role)
                _S_TEXT(node, "")
                _S_LABEL(node, get("label", ""))
                _S_ID(node, get("name", ""))
                _S_VALUE(node, value)
                _S_CHECKABLE(node, checkable)
                _S_CHECKED(node, checkable and value in ("1", "true"))
                _S_DISPLAYED(node, get("visible") != "false")
                _S_CLICKABLE(node, role in _IOS_TAPPABLE)
                _S_SCROLLABLE(node, False)
                _S_BOUNDS(node, _bounds(x, y, x + _int(get("width")), y + _int(get("height"))))
            else:
                checkable = get("checkable") == "true"
                checked = False
                if checkable:
                    state = get("checked")
                    if state is None:
                        unknown.append(i)
                    checked = state == "true"
                b = get("bounds", "")
                bounds = bounds_cache.get(b)
                if bounds is None:
                    m = fullmatch(b)
                    bounds = bounds_cache[b] = (_bounds(int(m[1]), int(m[2]), int(m[3]), int(m[4])) if m
                                                else ZERO_BOUNDS)
                _S_ROLE(node, get("class") or tag)
                _S_TEXT(node, get("text", ""))
                _S_LABEL(node, get("content-desc", ""))
                _S_ID(node, get("resource-id", ""))
                _S_VALUE(node, "")
                _S_CHECKABLE(node, checkable)
                _S_CHECKED(node, checked)
                _S_DISPLAYED(node, get("displayed") != "false")
                _S_CLICKABLE(node, get("clickable") == "true")
                _S_SCROLLABLE(node, get("scrollable") == "true")
                _S_BOUNDS(node, bounds)
            _S_INDEX(node, i)
            _S_ENABLED(node, get("enabled") != "false")
            _S_PATH(node, path)
            _S_PARENT(node, parent)
            nodes_append(node)
            tags_append(tag)
            ends_append(i + 1)
            kids_append([])
            paths_append(path)
            push(i)

        def end(tag: str) -> None:
            if stack:  # else the wrapper closes
                i = pop()
                _S_KIDS(nodes[i], tuple(kids[i]))
                ends[i] = len(nodes)

        self.root, self.nodes, self.tags, self.ends, self.unknown, self.odd_names = (
            root, nodes, tags, ends, unknown, odd_names)
        self.start, self.end = start, end

    def close(self) -> None:
        """lxml's parser target protocol."""

    def doctype(self, *args: Any) -> None:
        """lxml reports a DOCTYPE: entities and external subsets follow expat's rules only."""
        raise _NotForLxml


class _NotForLxml(Exception):
    """Raised inside the lxml parse to hand the input to expat."""


def _lxml_can_take(data: bytes) -> bool:
    """True for input libxml2 reads exactly as expat does: UTF-8, declared or not (not UTF-16/32 or others)."""
    if not data or b"\x00" in data[:4]:
        return False
    m = _DECL_ENCODING_RE.match(data[3:] if data.startswith(b"\xef\xbb\xbf") else data)
    return m is None or m[1].lower() in (b"utf-8", b"utf8")


def _parse_lxml(data: bytes) -> _Builder | None:
    """Built from libxml2's events, or None when it rejects the input or has anything at all to say about it."""
    # Names: libxml2 allows the XML 1.0 5th-edition name characters, expat those of the 4th; both agree
    # on ASCII. A non-ASCII document has its tag and attribute names checked (about 2 ms per 5,000 nodes).
    built = _Builder(check_names=not data.isascii())
    # lxml-stubs' ParserTarget protocol lists every callback; _Builder has the ones libxml2 calls here
    parser = _lxml.XMLParser(target=built, no_network=True, load_dtd=False)  # type: ignore[arg-type]
    try:
        _lxml.fromstring(data, parser)
    except (_lxml.LxmlError, _NotForLxml):
        return None
    if len(parser.error_log) or built.odd_names:
        return None  # warnings (e.g. an unbound prefix), or names where XML editions may differ: ask expat
    return built


def _parse_expat(data: bytes) -> _Builder:
    """Built from expat's events exactly as ElementTree.fromstring sees the document (namespaces, entities)."""
    built = _Builder()
    parser = expat.ParserCreate(namespace_separator="}")
    start = built.start

    def start_ns(tag: str, a: dict[str, str]) -> None:
        start("{" + tag if "}" in tag else tag, a)

    def default(text: str) -> None:
        if text[:1] == "&":  # an entity expat could not expand: ElementTree refuses it
            raise PageSourceError(f"page source is not well-formed XML: undefined entity {text} at line "
                                  f"{parser.CurrentLineNumber}, column {parser.CurrentColumnNumber + 1}")

    parser.StartElementHandler = start_ns
    parser.EndElementHandler = built.end
    parser.DefaultHandlerExpand = default
    try:
        parser.Parse(data, True)
    except expat.ExpatError as e:
        reason = str(e).split(":")[0]
        raise PageSourceError(
            f"page source is not well-formed XML: {reason} at line {e.lineno}, column {e.offset + 1}") from None
    return built


def parse_page_source(xml: str | bytes, platform: str | None = None) -> Tree:
    """Parse a UiAutomator2 or XCUITest page source; malformed XML raises PageSourceError."""
    data = _to_bytes(xml)
    built = _parse_lxml(data) if _lxml_can_take(data) else None
    if built is None:
        built = _parse_expat(data)
    root_tag, root_attrs = built.root
    detected = _platform_of_root(root_tag)
    if platform is not None and platform != detected:
        raise PageSourceError(f"page source root <{root_tag}> is {detected}, but platform {platform!r} was asked for")
    nodes = tuple(built.nodes)
    width, height = _screen_size(root_attrs, nodes, detected)
    return Tree(detected, width, height, nodes, root_tag, tuple(built.tags), tuple(built.ends),
                frozenset(built.unknown))


# iOS has no clickable attribute; these types are tappable controls, which is what `clickable` tells.
_IOS_TAPPABLE = frozenset({"XCUIElementTypeButton", "XCUIElementTypeLink", "XCUIElementTypeCell",
                           "XCUIElementTypeSwitch", "XCUIElementTypeToggle", "XCUIElementTypeTab"})


def _screen_size(root_attrs: dict[str, str], nodes: tuple[Node, ...], platform: Platform) -> tuple[int, int]:
    """Screen size from the root wrapper (Android) or the first element's bounds (iOS application)."""
    if platform == "android":
        w, h = _int(root_attrs.get("width")), _int(root_attrs.get("height"))
        if w and h:
            return w, h
    if nodes:
        b = nodes[0].bounds
        return b.width, b.height
    return 0, 0
