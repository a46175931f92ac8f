"""Where a scroll happens: every scroll names an area (the scrollable node, or the screen's content area,
its WebView); a screen with neither cannot scroll (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from mobile.core.tree import Bounds, Node, Tree


@dataclass(frozen=True)
class ScrollArea:
    """Where a scroll happens: a node's bounds (Android gestures) and the XPath selecting it (iOS)."""

    bounds: Bounds
    xpath: str
    role: str


# Containers that scroll their content although the tree does not say so (iOS has no `scrollable`;
# a WebView scrolls its page).
SCROLL_CONTAINERS = frozenset({"android.webkit.WebView", "XCUIElementTypeWebView", "XCUIElementTypeScrollView",
                               "XCUIElementTypeTable", "XCUIElementTypeCollectionView"})


def scroll_area(tree: Tree) -> ScrollArea | None:
    """The largest displayed scrollable node, else the largest scroll container (the WebView: the screen's
    content area); None when the screen has nothing that scrolls."""
    def usable(n: Node) -> bool:
        return n.displayed and n.bounds.width > 0 and n.bounds.height > 0

    candidates = [n for n in tree.nodes if n.scrollable and usable(n)] or \
                 [n for n in tree.nodes if n.role in SCROLL_CONTAINERS and usable(n)]
    if not candidates:
        return None
    node = max(candidates, key=lambda n: n.bounds.width * n.bounds.height)
    return ScrollArea(node.bounds, tree.xpath(node), node.role)
