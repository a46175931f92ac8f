"""Element lookup for the simulated phone's server: W3C locator strategies over the page-source XML.

An element id names one node of one screen state (its absolute XPath plus what identifies it). When the
node at that place no longer is the same node (other screen, scrolled, gone), the element is stale.
"""

from __future__ import annotations

import itertools
import re
import threading
from dataclasses import dataclass
from typing import Any

from lxml import etree

from mobile.sim.activities import PACKAGE
from mobile.sim.w3c.protocol import W3CError
from mobile.sim.wda.predicate import compile_predicate

_BOUNDS = re.compile(r"\[(-?\d+),(-?\d+)\]\[(-?\d+),(-?\d+)\]")
# UiAutomator2 accepts camelCase aliases of the dump's attribute names.
_ANDROID_ALIASES = {"contentDescription": "content-desc", "resourceId": "resource-id", "className": "class",
                    "longClickable": "long-clickable"}
_XML_PARSER = etree.XMLParser(remove_blank_text=False, resolve_entities=False, no_network=True, huge_tree=True)


def parse_source(source: str | bytes) -> Any:
    """The lxml document of a page source exactly as GET /source returns it."""
    data = source.encode("utf-8") if isinstance(source, str) else source
    return etree.fromstring(data, _XML_PARSER).getroottree()


@dataclass(frozen=True)
class ElementRef:
    """One found node: where it sits and what identifies it, so a later command can detect staleness."""

    element_id: str
    path: str
    identity: tuple


class NodeView:
    """Platform-aware reads of one lxml node (text, rect, flags) the way the real servers answer."""

    def __init__(self, node: Any, platform: str):
        self.node = node
        self.platform = platform

    def attribute(self, name: str) -> str | None:
        """The attribute as the element attribute endpoint returns it (None when absent)."""
        if self.platform == "android":
            name = _ANDROID_ALIASES.get(name, name)
        return self.node.get(name)

    def text(self) -> str:
        """Android: `text`; iOS: `value`, falling back to `label` as WebDriverAgent does."""
        if self.platform == "android":
            return self.node.get("text") or ""
        return self.node.get("value") or self.node.get("label") or ""

    def rect(self) -> dict[str, int]:
        """x, y, width, height of the node in screen pixels (points on iOS)."""
        if self.platform == "android":
            match = _BOUNDS.fullmatch(self.node.get("bounds") or "")
            if not match:
                return {"x": 0, "y": 0, "width": 0, "height": 0}
            left, top, right, bottom = map(int, match.groups())
            return {"x": left, "y": top, "width": right - left, "height": bottom - top}
        return {key: int(float(self.node.get(key) or 0)) for key in ("x", "y", "width", "height")}

    def center(self) -> tuple[int, int]:
        """The point a click on this node taps."""
        rect = self.rect()
        return rect["x"] + rect["width"] // 2, rect["y"] + rect["height"] // 2

    def flag(self, name: str) -> bool:
        """A boolean attribute; absent counts as true for displayed/visible/enabled (as the servers do)."""
        if self.platform == "ios" and name == "displayed":
            name = "visible"
        value = self.node.get(name)
        if value is None:
            return name in ("displayed", "visible", "enabled")
        return value == "true" or value == "1"

    def tag_name(self) -> str:
        """Element name: the Android class, or the XCUIElementType."""
        return self.node.get("class") or self.node.get("type") or self.node.tag

    def identity(self) -> tuple:
        """What must stay equal for the node to be the same element (state such as `checked` may change)."""
        keys: tuple[str, ...]
        if self.platform == "android":
            keys = ("class", "resource-id", "content-desc", "bounds")
        else:
            keys = ("type", "name", "x", "y", "width", "height")
        return (self.node.tag, *(self.node.get(key) for key in keys))


class ElementStore:
    """Finds nodes by W3C/Appium strategies and remembers them under element ids for one session."""

    def __init__(self, platform: str, app_package: str | None = None):
        self.platform = platform
        self.app_package = app_package or PACKAGE
        self._refs: dict[str, ElementRef] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def find(self, doc: Any, using: object, value: object, settings: dict, scope: str | None = None) -> list[ElementRef]:
        """All nodes matching the locator (in document order), registered as elements; `using` and `value`
        come from the request's JSON, checked here."""
        if not isinstance(using, str) or not isinstance(value, str):
            raise W3CError("invalid argument", "find element needs string `using` and `value`")
        context = self.resolve(doc, scope) if scope else doc.getroot()
        nodes = self._match(doc, context, using, value, settings, scoped=scope is not None)
        return [self._register(doc, node) for node in nodes]

    def resolve(self, doc: Any, element_id: str) -> Any:
        """The current lxml node of an element id; stale when the screen no longer shows that node."""
        ref = self._refs.get(element_id)
        if ref is None:
            raise W3CError("no such element", f"no element with id '{element_id}' in this session")
        found = doc.xpath(ref.path)
        if len(found) != 1 or NodeView(found[0], self.platform).identity() != ref.identity:
            raise W3CError("stale element reference",
                           f"element '{element_id}' is no longer on the screen (the screen changed since it was found)")
        return found[0]

    def view(self, doc: Any, element_id: str) -> NodeView:
        """A NodeView of the element's current node."""
        return NodeView(self.resolve(doc, element_id), self.platform)

    def _register(self, doc: Any, node: Any) -> ElementRef:
        with self._lock:
            element_id = f"{next(self._ids):08d}-sim-{self.platform}"
        ref = ElementRef(element_id, doc.getpath(node), NodeView(node, self.platform).identity())
        self._refs[element_id] = ref
        return ref

    def _match(self, doc: Any, context: Any, using: str, value: str, settings: dict, scoped: bool) -> list[Any]:
        if using == "xpath":
            return self._xpath(doc, context, value, scoped)
        candidates = list(context.iterdescendants()) if scoped else list(doc.getroot().iterdescendants())
        if using == "id":
            return [node for node in candidates if self._id_matches(node, value, settings)]
        if using == "accessibility id":
            key = "content-desc" if self.platform == "android" else "name"
            return [node for node in candidates if node.get(key) == value]
        if using == "class name":
            return [node for node in candidates if NodeView(node, self.platform).tag_name() == value]
        if using == "name" and self.platform == "ios":
            return [node for node in candidates if node.get("name") == value]
        if using == "predicate string" and self.platform == "ios":
            test = compile_predicate(value)
            return [node for node in candidates if test(node)]
        raise W3CError("invalid argument", f"locator strategy '{using}' is not supported by the simulated phone "
                       "(use xpath, id, accessibility id, class name; on iOS also predicate string)")

    def _xpath(self, doc: Any, context: Any, value: str, scoped: bool) -> list[Any]:
        try:
            result = (context if scoped else doc).xpath(value)
        except etree.XPathError as exc:
            raise W3CError("invalid selector", f"invalid XPath '{value}': {exc}") from exc
        if not isinstance(result, list) or not all(isinstance(item, etree._Element) for item in result):
            raise W3CError("invalid selector", f"XPath '{value}' does not select elements")
        # The root wrapper (hierarchy/AppiumAUT) is not an element of the app.
        return [node for node in result if node.getparent() is not None]

    def _id_matches(self, node: Any, value: str, settings: dict) -> bool:
        if self.platform == "ios":
            return node.get("name") == value
        wanted = value
        # UiAutomator2 completes bare ids with the app package unless told not to (appium/appium#10917).
        if ":id/" not in value and not settings.get("disableIdLocatorAutocompletion", False):
            wanted = f"{self.app_package}:id/{value}"
        return node.get("resource-id") == wanted
