"""Immutable locators over a Tree: Text, Id, Role, AnyOf and the SwitchFor relation (pure).

Every locator has `describe()` (readable, for logs and errors) and `find(tree) -> tuple[Node, ...]`
(all matches, document order; SwitchFor raises AmbiguousMatch instead of returning two switches).

Uniqueness: `locate_one` needs exactly one node for every locator. Before it gives up it (1) keeps the
displayed matches when some are displayed and some are not (an off-screen duplicate of "Settings"), then
(2) collapses matches that lie on one ancestor chain (a row with content-desc "Settings" around a
TextView "Settings" is one target) to the innermost, whose centre lies inside the others. Anything left
over is an AmbiguousMatch carrying the candidates: the tool never guesses.

Text matching: "exact" compares after normalisation (`normalize_text`: NFC, every Unicode space incl.
NBSP U+00A0 and U+202F as one space, trimmed, typographic apostrophes as ', casefold); "contains" and
"regex" only when asked (a regex searches the same normalised text, case kept). A node matches when its text OR its label (content-desc / iOS label) matches; an iOS node
with neither (web text that XCUITest exposes only as a StaticText's `value`) matches by its value, except
a switch, whose value is its state.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from typing import Literal, Protocol, Sequence

from mobile.core.tree import IOS_TOGGLE_TYPES, Node, ToggleState, Tree
from mobile.errors import AmbiguousMatch

TextMatch = Literal["exact", "contains", "regex"]

# Classes that draw an on/off switch. Compose and WebView toggles may be plain Views with
# checkable="true", so `is_toggle` also accepts any checkable node except list-choice widgets.
TOGGLE_ROLES = frozenset({
    "android.widget.Switch", "android.widget.ToggleButton", "android.widget.CheckBox",
    "android.widget.CompoundButton", "androidx.appcompat.widget.SwitchCompat",
    "android.support.v7.widget.SwitchCompat", "com.google.android.material.switchmaterial.SwitchMaterial",
    "com.google.android.material.materialswitch.MaterialSwitch", *IOS_TOGGLE_TYPES,
})
_NOT_SWITCHES = frozenset({"android.widget.RadioButton", "android.widget.CheckedTextView"})

ROLE_ALIASES: dict[str, frozenset[str]] = {
    "switch": TOGGLE_ROLES,
    "toggle": TOGGLE_ROLES,
    "button": frozenset({"android.widget.Button", "android.widget.ImageButton", "XCUIElementTypeButton"}),
    # the toolbar's up button (flows name it image_button, as the simulated phone draws it)
    "image_button": frozenset({"android.widget.ImageButton", "XCUIElementTypeButton"}),
    "text": frozenset({"android.widget.TextView", "XCUIElementTypeStaticText"}),
    "image": frozenset({"android.widget.ImageView", "XCUIElementTypeImage"}),
    "link": frozenset({"XCUIElementTypeLink"}),
    "webview": frozenset({"android.webkit.WebView", "XCUIElementTypeWebView"}),
}

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


def normalize_text(s: str, fold_case: bool = True) -> str:
    """The tool's one text normaliser: NFC, typographic apostrophes as ', every run of Unicode spaces as one
    space, trimmed, casefolded. Exact and contains matching compare these keys; regexes search the text
    normalised with `fold_case=False` (they keep their own case rules)."""
    if not s.isascii():
        s = unicodedata.normalize("NFC", s).translate(_APOSTROPHES)
    # str.split() splits on every Unicode space (NBSP, U+202F included) and drops the ends.
    s = " ".join(s.split())
    return s.casefold() if fold_case else s


def value_text(n: Node) -> str:
    """The value as the node's shown text: only where text and label are empty and the node is no switch."""
    return n.value if n.value and not n.text and not n.label and not n.checkable else ""


def shown_texts(n: Node) -> tuple[str, ...]:
    """What the node reads as: its text and its label, or (iOS web text) its value."""
    v = value_text(n)
    return (v,) if v else tuple(t for t in (n.text, n.label) if t)


# Per-tree indexes (Tree.memo): each maps a key to the indices of its nodes in document order, so a
# locator looks its nodes up instead of scanning the page. Never mutated once built.
def _text_index(tree: Tree) -> dict[str, list[int]]:
    """Normalised text or label -> nodes whose text or label has it (each node once)."""
    raw: dict[str, list[int]] = {}  # grouped by the raw string first: each distinct string normalised once
    for n in tree.nodes:
        t, lab = n.text or value_text(n), n.label
        if t:
            if t in raw:
                raw[t].append(n.index)
            else:
                raw[t] = [n.index]
        if lab and lab != t:
            if lab in raw:
                raw[lab].append(n.index)
            else:
                raw[lab] = [n.index]
    index: dict[str, list[int]] = {}
    merged: list[str] = []
    for s, ids in raw.items():
        key = normalize_text(s)
        if not key:
            continue
        if key in index:  # "Settings" and "settings", or a text and a label that differ only in spacing
            index[key] = index[key] + ids
            merged.append(key)
        else:
            index[key] = ids
    for key in merged:
        index[key] = sorted(set(index[key]))
    return index


def text_keys(tree: Tree) -> frozenset[str]:
    """Every non-empty normalised text and label on the page (cached per tree)."""
    return frozenset(tree.memo("locate.text_index", _text_index))


def _id_index(tree: Tree) -> dict[str, list[int]]:
    """resource-id / name -> nodes."""
    index: dict[str, list[int]] = {}
    for n in tree.nodes:
        key = n.id
        if key:
            if key in index:
                index[key].append(n.index)
            else:
                index[key] = [n.index]
    return index


def _role_index(tree: Tree) -> dict[str, list[int]]:
    """role -> nodes."""
    index: dict[str, list[int]] = {}
    for n in tree.nodes:
        key = n.role
        if key in index:
            index[key].append(n.index)
        else:
            index[key] = [n.index]
    return index


def _toggle_index(tree: Tree) -> tuple[int, ...]:
    """The toggles (is_toggle), ascending: the toggle classes from the role index, plus checkable nodes."""
    roles = tree.memo("locate.roles", _role_index)
    found = {i for role in TOGGLE_ROLES if role in roles for i in roles[role]}
    found.update(n.index for n in tree.nodes if n.checkable and n.role not in _NOT_SWITCHES)
    return tuple(sorted(found))


def _nodes_at(tree: Tree, groups: Sequence[Sequence[int]]) -> tuple[Node, ...]:
    """The nodes of one or more index entries, in document order, each once."""
    nodes = tree.nodes
    if len(groups) <= 1:
        return tuple(nodes[i] for i in groups[0]) if groups else ()
    return tuple(nodes[i] for i in sorted({i for g in groups for i in g}))


def is_toggle(node: Node) -> bool:
    """True for nodes that draw an on/off switch (by class, or checkable outside list-choice widgets)."""
    return node.role in TOGGLE_ROLES or (node.checkable and node.role not in _NOT_SWITCHES)


class Locator(Protocol):
    """What every locator offers."""

    def describe(self) -> str:
        """Readable form for logs and error messages."""
        ...

    def find(self, tree: Tree) -> tuple[Node, ...]:
        """All matching nodes in document order."""
        ...


@dataclass(frozen=True, slots=True)
class Text:
    """A node whose text or label equals (or contains / regex-matches) `value`."""

    value: str
    match: TextMatch = "exact"

    def __post_init__(self) -> None:
        if self.match not in ("exact", "contains", "regex"):
            raise ValueError(f"Text match must be exact, contains or regex, not {self.match!r}")
        if self.match == "regex":
            re.compile(self.value)  # a bad pattern fails when the locator is built, not mid-run

    def describe(self) -> str:
        return f"text {self.value!r}" if self.match == "exact" else f"text {self.match} {self.value!r}"

    def find(self, tree: Tree) -> tuple[Node, ...]:
        if self.match == "regex":
            rx = re.compile(self.value)
            return tuple(n for n in tree.nodes if any(rx.search(normalize_text(t, fold_case=False)) for t in shown_texts(n)))
        want = normalize_text(self.value)
        nodes = tree.nodes
        if self.match == "exact":
            if not want:
                return ()  # an empty label would match every unlabelled node
            return tuple(nodes[i] for i in tree.memo("locate.text_index", _text_index).get(want, ()))
        if not want:
            return nodes  # "" is in every text, even an empty one
        index = tree.memo("locate.text_index", _text_index)
        return _nodes_at(tree, [ids for key, ids in index.items() if want in key])


@dataclass(frozen=True, slots=True)
class Id:
    """A node by resource-id (bare or with the app's `pkg:id/` prefix) or iOS name; `package` is the Android
    app whose prefix a bare id may carry (the flow's `apps.android`; None: the id as written only)."""

    value: str
    package: str | None = None

    def describe(self) -> str:
        return f"id {self.value!r}"

    def find(self, tree: Tree) -> tuple[Node, ...]:
        wanted: tuple[str, ...] = (self.value,)
        if self.package is not None:
            prefix = f"{self.package}:id/"
            bare = self.value[len(prefix):] if self.value.startswith(prefix) else self.value
            # WebView content has bare HTML ids, native views carry the package prefix: accept both.
            wanted = (bare, prefix + bare) if ":id/" not in bare else (bare,)
        index = tree.memo("locate.ids", _id_index)
        return _nodes_at(tree, [index[w] for w in wanted if w in index])


@dataclass(frozen=True, slots=True)
class Role:
    """A node by class (Android) / type (iOS), full or short name, or an alias like "switch"."""

    value: str

    def describe(self) -> str:
        return f"role {self.value!r}"

    def find(self, tree: Tree) -> tuple[Node, ...]:
        alias = ROLE_ALIASES.get(self.value.casefold())
        if alias is TOGGLE_ROLES:
            return _nodes_at(tree, [tree.memo("locate.toggles", _toggle_index)])
        index = tree.memo("locate.roles", _role_index)
        if alias is not None:
            return _nodes_at(tree, [ids for role, ids in index.items() if role in alias])
        v = self.value
        return _nodes_at(tree, [ids for role, ids in index.items() if role == v or role.rpartition(".")[2] == v])


@dataclass(frozen=True, slots=True, init=False)
class AnyOf:
    """Ordered fallbacks: the first candidate that matches anything wins."""

    candidates: tuple[Locator, ...]

    def __init__(self, *candidates: Locator) -> None:
        if not candidates:
            raise ValueError("AnyOf needs at least one candidate")
        object.__setattr__(self, "candidates", tuple(candidates))

    def describe(self) -> str:
        return "any of (" + " | ".join(c.describe() for c in self.candidates) + ")"

    def find(self, tree: Tree) -> tuple[Node, ...]:
        for c in self.candidates:
            found = c.find(tree)
            if found:
                return found
        return ()


@dataclass(frozen=True, slots=True)
class SwitchFor:
    """The switch that belongs to a label: the labelled toggle itself, or the one toggle in its row."""

    label: Locator

    def describe(self) -> str:
        return f"switch for {self.label.describe()}"

    def find(self, tree: Tree) -> tuple[Node, ...]:
        definite: dict[int, Node] = {}
        ambiguous: dict[int, Node] = {}
        for label in self.label.find(tree):
            picked, clash = _switch_of_label(tree, label)
            if picked is not None:
                definite[picked.index] = picked
            for t in clash:
                ambiguous[t.index] = t
        if len(definite) > 1:
            raise AmbiguousMatch(f"{self.describe()}: {len(definite)} switches qualify",
                                 tuple(definite.values()))
        if definite:
            return tuple(definite.values())
        if ambiguous:
            raise AmbiguousMatch(f"{self.describe()}: the label's row holds {len(ambiguous)} switches",
                                 tuple(sorted(ambiguous.values(), key=lambda n: n.index)))
        return ()


def _switch_of_label(tree: Tree, label: Node) -> tuple[Node | None, tuple[Node, ...]]:
    """(the label's switch or None, the clashing switches when its row holds several)."""
    if is_toggle(label):
        return label, ()
    child: Node = label
    all_toggles = tree.memo("locate.toggles", _toggle_index)
    for container in (label, *tree.ancestors(label)):
        toggles = [tree.nodes[i] for i in all_toggles[bisect_left(all_toggles, container.index):
                                                       bisect_left(all_toggles, tree.subtree_end(container))]]
        if len(toggles) > 1:
            return None, tuple(toggles)
        if len(toggles) == 1:
            toggle = toggles[0]
            return (toggle, ()) if _same_row(tree, container, child, label, toggle) else (None, ())
        child = container
    return None, ()


def _same_row(tree: Tree, container: Node, label_branch: Node, label: Node, toggle: Node) -> bool:
    """False when the toggle sits in a sibling row: its branch, or its line, has another label."""
    if container is label_branch:
        # The label node wraps the toggle (a row with a content-desc): only a row if it holds no other
        # texts; a WebView whose text is the page title wraps the whole page and is no row.
        own = {normalize_text(t) for t in shown_texts(label)}
        return not any(n is not toggle and _other_text(n, own)
                       for n in tree.nodes[label.index + 1:tree.subtree_end(label)])
    branch = toggle
    while branch.parent_index != container.index:
        branch = tree.nodes[branch.parent_index]  # type: ignore[index]
    if branch is not toggle and any(
            any(t.strip() for t in shown_texts(n)) and n is not toggle
            for n in tree.nodes[branch.index:tree.subtree_end(branch)]):
        return False  # the toggle's own subtree carries text: that subtree is a row of its own
    # Flat layouts (label, switch, other texts as siblings): the switch's row is the line it sits on.
    if _overlaps_vertically(label, toggle):
        return True
    for n in tree.nodes[container.index + 1:tree.subtree_end(container)]:
        if (n is not toggle and any(t.strip() for t in shown_texts(n)) and not tree.is_ancestor(n, toggle)
                and not (label_branch.index <= n.index < tree.subtree_end(label_branch))
                and _overlaps_vertically(n, toggle)):
            return False
    return True


def _other_text(node: Node, own: set[str]) -> bool:
    """True when the node carries a text or label that is not one of `own` (normalised)."""
    return any(normalize_text(t) not in own for t in shown_texts(node))


def _overlaps_vertically(a: Node, b: Node) -> bool:
    """True when both have real bounds and share some horizontal band of the screen."""
    if not (a.bounds.height and b.bounds.height):
        return False
    return a.bounds.top < b.bounds.bottom and b.bounds.top < a.bounds.bottom


def locate_one(tree: Tree, locator: Locator) -> Node | None:
    """The single node for a locator, None when absent; AmbiguousMatch when several remain."""
    found = locator.find(tree)
    if len(found) <= 1:
        return found[0] if found else None
    shown = tuple(n for n in found if n.displayed)
    if shown and len(shown) < len(found):
        found = shown
    innermost = [n for n in found if not any(tree.is_ancestor(n, m) for m in found if m is not n)]
    if len(innermost) == 1 and all(m is innermost[0] or tree.is_ancestor(m, innermost[0]) for m in found):
        return innermost[0]
    if len(found) == 1:
        return found[0]
    raise AmbiguousMatch(f"{locator.describe()}: {len(found)} nodes qualify", tuple(found))


def read_toggle_state(tree: Tree, label: Locator) -> tuple[Node | None, ToggleState | None]:
    """The switch belonging to `label` and its state; (None, None) when there is no such switch."""
    node = locate_one(tree, SwitchFor(label))
    return (node, tree.toggle_state(node)) if node is not None else (None, None)
