"""What a flow sees on one page source: the screen, the locale, the targets, the switch (pure).

Locales: a screen is read in the languages it shows (`page_locales`): the app's chrome may be in one
language and its web content in another, so labels match in any of the page's locales, in order, and
the switch is confirmed in the language its row is written in (`confirm_switch`).

Screen ambiguity: anchors may overlap (the side panel opens over Home, whose tabs stay in the tree), so
when several screens match, the one declared LAST in the flow wins: screens are listed in path order,
and the deepest screen reached is the one on top. `matching_screens` lists every match for diagnostics.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass

from mobile.core.flow_schema import Candidate, Flow, Interruption, Locales, ToggleStep, as_locales, spellings
from mobile.core.locate import SwitchFor, locate_one, normalize_text, shown_texts, text_keys
from mobile.core.tree import Node, ToggleState, Tree
from mobile.errors import AmbiguousMatch

# label keys that name a switch's state: short words ("No", "Sim") that say nothing about the language
STATE_WORDS = ("on", "off")


@dataclass(frozen=True)
class TargetMatch:
    """One target found on the page: the node, the XPath selecting exactly it, the candidate used."""

    target: str
    node: Node
    xpath: str
    candidate: Candidate


@dataclass(frozen=True)
class AmbiguousTarget:
    """A target whose winning candidate finds several nodes: the tool never guesses between them."""

    target: str
    nodes: tuple[Node, ...]
    candidate: Candidate


def _anchored(flow: Flow, tree: Tree, locale: Locales) -> list[str]:
    """Names of the screens whose anchor holds, in flow order."""
    names: list[str] = []
    for screen in flow.screens.values():
        if tree.platform not in screen.anchors:
            continue
        try:
            proof = screen.anchor(tree.platform, locale).find(tree)
        except AmbiguousMatch:
            proof = (tree.root,)  # several switches for one label still prove the label is there
        if proof:
            names.append(screen.name)
    return names


def matching_screens(flow: Flow, tree: Tree, locale: Locales) -> list[str]:
    """Every screen whose anchor holds on this tree, in flow order."""
    return _anchored(flow, tree, locale)


def identify_screen(flow: Flow, tree: Tree, locale: Locales) -> str | None:
    """The screen the tree shows (the last-declared match), or None."""
    names = _anchored(flow, tree, locale)
    return names[-1] if names else None


def match_target(flow: Flow, tree: Tree, platform: str, locale: Locales, name: str) -> TargetMatch | AmbiguousTarget | None:
    """Where one target is: its first candidate that finds anything decides (ordered fallbacks)."""
    target = flow.targets[name]
    for candidate in target.candidates.get(platform, ()):
        locator = candidate.locator(flow.labels, locale)
        try:
            node = locate_one(tree, locator)
        except AmbiguousMatch as exc:
            return AmbiguousTarget(name, tuple(exc.candidates), candidate)
        if node is not None:
            return TargetMatch(name, node, tree.xpath(node), candidate)
    return None


def match_all(flow: Flow, tree: Tree, platform: str, locale: Locales) -> list[TargetMatch | AmbiguousTarget]:
    """Every target that is on the page, clean or ambiguous, in flow order."""
    found = (match_target(flow, tree, platform, locale, name) for name in flow.targets)
    return [m for m in found if m is not None]


def match_targets(flow: Flow, tree: Tree, platform: str, locale: Locales) -> list[TargetMatch]:
    """The targets found on the page with exactly one node each, in flow order."""
    return [m for m in match_all(flow, tree, platform, locale) if isinstance(m, TargetMatch)]


def _tree_texts(tree: Tree) -> frozenset[str]:
    """Every normalised text and label on the page (the keys of the locators' per-tree text index)."""
    return text_keys(tree)


def word_mention(flow: Flow, tree: Tree, key: str, locales: Locales) -> str | None:
    """The first text on the page holding one of label `key`'s spellings (in `locales`) as a whole word."""
    words = sorted({w for w in (normalize_text(s) for s in spellings(flow.labels, key, locales)) if w})
    if not words:
        return None
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)")
    for n in tree.nodes:
        for text in shown_texts(n):
            if text and pattern.search(normalize_text(text)):
                return text
    return None


# id(flow) -> its own spellings (below); an entry leaves with its flow. Every page read scores the locales,
# and these depend on the flow alone: worked out once per flow, not once per page.
_OWN_SPELLINGS: dict[int, tuple[tuple[tuple[str, frozenset[str]], ...], ...]] = {}


def _own_spellings(flow: Flow) -> tuple[tuple[tuple[str, frozenset[str]], ...], ...]:
    """Per label key (state words aside), per locale: the normalised spellings no other locale has."""
    key = id(flow)
    found = _OWN_SPELLINGS.get(key)
    if found is None:
        per_key = []
        for name, per_locale in flow.labels.items():
            if name in STATE_WORDS:
                continue
            spelled = {loc: frozenset(normalize_text(s) for s in per_locale[loc]) for loc in flow.locales}
            # a spelling shared with another locale ("Privacy") proves nothing about the language
            per_key.append(tuple((loc, mine - frozenset().union(*(s for other, s in spelled.items() if other != loc)))
                                 for loc, mine in spelled.items()))
        found = _OWN_SPELLINGS[key] = tuple(per_key)
        weakref.finalize(flow, _OWN_SPELLINGS.pop, key, None)
    return found


def locale_scores(flow: Flow, tree: Tree) -> dict[str, int]:
    """Per locale, how many label keys show a spelling that only that locale has (state words aside)."""
    texts = tree.memo("match.texts", _tree_texts)
    scores: dict[str, int] = {}
    for per_locale in _own_spellings(flow):
        for loc, own in per_locale:
            if not own.isdisjoint(texts):
                scores[loc] = scores.get(loc, 0) + 1
    return scores


def detect_locale(flow: Flow, tree: Tree) -> str | None:
    """The locale whose labels appear most on the page; None when none does or two tie."""
    scores = locale_scores(flow, tree)
    if not scores:
        return None
    best = max(scores.values())
    winners = [loc for loc in flow.locales if scores.get(loc) == best]
    return winners[0] if len(winners) == 1 else None


def shown_locales(flow: Flow, tree: Tree) -> tuple[str, ...]:
    """The locales whose own labels the page shows, most labels first (flow order breaks ties)."""
    scores = tree.memo(f"match.locale_scores.{id(flow)}", lambda t: locale_scores(flow, t))
    return tuple(sorted((loc for loc in flow.locales if scores.get(loc)), key=lambda loc: -scores[loc]))


def page_locales(flow: Flow, tree: Tree, prefer: str | None = None) -> tuple[str, ...]:
    """The languages this page is read in, most likely first: `prefer` (a locale asked for), then every
    locale the page shows labels of. A page that shows none is read in all of the flow's locales."""
    ranked = shown_locales(flow, tree) or flow.locales
    return tuple(dict.fromkeys(((prefer,) if prefer in flow.locales else ()) + ranked))


def toggle_step(flow: Flow) -> ToggleStep | None:
    """The flow's (first) toggle step, which names the switch and the label that confirms it."""
    return next((s for s in flow.steps if isinstance(s, ToggleStep)), None)


def _state_from_words(flow: Flow, node: Node, locale: str) -> ToggleState | None:
    """The state a switch shows as its own text ("On"/"Off") when the tree has no checked state."""
    shown = {normalize_text(s) for s in (node.text, node.value, node.label) if s.strip()}
    for state in STATE_WORDS:
        if state in flow.labels and shown & {normalize_text(w) for w in flow.labels[state][locale]}:
            return "on" if state == "on" else "off"
    return None


def read_genai_toggle(flow: Flow, tree: Tree, locale: Locales) -> tuple[Node | None, ToggleState | None]:
    """The flow's switch on this page and its state; AmbiguousMatch when it cannot be singled out.
    A state shown only as words ("On"/"Off") is read in the first of the locales whose words it shows."""
    step = toggle_step(flow)
    if step is None or tree.platform not in flow.targets[step.target].candidates:
        return None, None
    node = locate_one(tree, flow.targets[step.target].locator(tree.platform, locale))
    if node is None:
        return None, None
    state = tree.toggle_state(node)
    if state is None:
        state = next((s for loc in as_locales(locale) if (s := _state_from_words(flow, node, loc))), None)
    return node, state


@dataclass(frozen=True)
class SwitchReading:
    """The switch on a page: its node, its state, and the locale its row's label was confirmed in
    (None: no label of the confirm key in any of the page's locales names this switch)."""

    node: Node | None
    state: ToggleState | None
    locale: str | None


def confirm_switch(flow: Flow, tree: Tree, step: ToggleStep, locales: Locales) -> SwitchReading:
    """The switch and the language its own label or row reads `step.confirm_label` in, trying the page's
    locales in order; the state words are read in that language only. AmbiguousMatch when a label has
    several switches, or two languages' labels name different switches."""
    node, _ = read_genai_toggle(flow, tree, locales)
    if node is None:
        return SwitchReading(None, None, None)
    confirmed_in: str | None = None
    for loc in as_locales(locales):
        label = Candidate(label=step.confirm_label).locator(flow.labels, loc)
        found = locate_one(tree, SwitchFor(label))
        if found is None:
            continue
        if found.index != node.index:
            raise AmbiguousMatch(f"the switch labelled in {loc} is not the flow's switch", (node, found))
        confirmed_in = confirmed_in or loc
    if confirmed_in is None:
        return SwitchReading(node, None, None)
    state = tree.toggle_state(node) or _state_from_words(flow, node, confirmed_in)
    return SwitchReading(node, state, confirmed_in)


def find_interruption(flow: Flow, tree: Tree, locale: Locales) -> tuple[Interruption, Node | None] | None:
    """The first interruption showing and its dismiss control (None when that cannot be singled out)."""
    for interruption in flow.interruptions:
        detect = interruption.detect(tree.platform, locale)
        dismiss = interruption.dismiss(tree.platform, locale)
        if detect is None or dismiss is None:
            continue
        try:
            showing = bool(detect.find(tree))
        except AmbiguousMatch:
            showing = True
        if not showing:
            continue
        try:
            return interruption, locate_one(tree, dismiss)
        except AmbiguousMatch:
            return interruption, None  # two "Not now" buttons: never guess which to tap
    return None
