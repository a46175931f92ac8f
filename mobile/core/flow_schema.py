"""The typed flow model: immutable values the loader builds and the runner interprets (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import ClassVar, Mapping, Sequence

from mobile.core.locate import AnyOf, Id, Locator, Role, SwitchFor, Text, TextMatch
from mobile.core.terms import PLATFORMS
from mobile.core.tree import Node, Tree

MATCH_MODES: dict[str, TextMatch] = {"exact": "exact", "contains": "contains", "regex": "regex"}

# label key -> locale -> the accepted spellings, first one preferred
Labels = Mapping[str, Mapping[str, tuple[str, ...]]]
EMPTY_LABELS: Labels = MappingProxyType({})
# one locale, or several in order of preference (a screen that mixes languages shows more than one)
Locales = str | Sequence[str]


def as_locales(locale: Locales) -> tuple[str, ...]:
    """`locale` as an ordered tuple of locales."""
    return (locale,) if isinstance(locale, str) else tuple(locale)


def spellings(labels: Labels, key: str, locale: Locales) -> tuple[str, ...]:
    """The spellings of label `key` in each locale, in locale order, each once."""
    return tuple(dict.fromkeys(s for loc in as_locales(locale) for s in labels[key][loc]))


@dataclass(frozen=True)
class App:
    """How to start the app on one platform (Android package + activities, or iOS bundle id)."""

    platform: str
    app_id: str
    activities: tuple[str, ...] = ()


@dataclass(frozen=True)
class Candidate:
    """One way to find a node: an id, a literal text, a label key, a role, or the switch of a label.
    `package`: the Android app whose `pkg:id/` prefix a bare id may carry (the flow's `apps.android`)."""

    id: str | None = None
    text: str | None = None
    label: str | None = None
    match: TextMatch = "exact"
    role: tuple[str, ...] = ()
    switch_for: Candidate | None = None
    line: int = 0
    package: str | None = None

    def locator(self, labels: Labels, locale: Locales) -> Locator:
        """The Locator this candidate means in `locale` (several: any of their spellings, in order)."""
        if self.switch_for is not None:
            return SwitchFor(self.switch_for.locator(labels, locale))
        parts: list[Locator] = []
        if self.id is not None:
            parts.append(Id(self.id, self.package))
        if self.text is not None:
            parts.append(Text(self.text, match=self.match))
        if self.label is not None:
            texts = spellings(labels, self.label, locale)
            parts.append(_any([Text(s, match=self.match) for s in texts]))
        if self.role:
            parts.append(_any([Role(r) for r in self.role]))
        return parts[0] if len(parts) == 1 else AllOf(*parts)

    def spec(self) -> str:
        """The candidate as written, e.g. `label=settings role=android.widget.Button`."""
        if self.switch_for is not None:
            return f"switch_for({self.switch_for.spec()})"
        bits = []
        if self.id is not None:
            bits.append(f"id={self.id}")
        if self.text is not None:
            bits.append(f"text={self.text!r}")
        if self.label is not None:
            bits.append(f"label={self.label}")
        if self.match != "exact":
            bits.append(f"match={self.match}")
        if self.role:
            bits.append("role=" + "|".join(self.role))
        return " ".join(bits)


@dataclass(frozen=True, init=False)
class AllOf:
    """Nodes that every part finds, e.g. a label's text AND a button role (a conjunction of locators)."""

    parts: tuple[Locator, ...]

    def __init__(self, *parts: Locator) -> None:
        object.__setattr__(self, "parts", tuple(parts))

    def describe(self) -> str:
        return " and ".join(p.describe() for p in self.parts)

    def find(self, tree: Tree) -> tuple[Node, ...]:
        found = self.parts[0].find(tree)
        for part in self.parts[1:]:
            if not found:
                break
            keep = {n.index for n in part.find(tree)}
            found = tuple(n for n in found if n.index in keep)
        return found


def _any(locators: list[Locator]) -> Locator:
    """One locator when there is one, AnyOf otherwise (keeps describe() short)."""
    return locators[0] if len(locators) == 1 else AnyOf(*locators)


def candidates_locator(candidates: tuple[Candidate, ...], labels: Labels, locale: Locales) -> Locator:
    """AnyOf over ordered candidates: the first candidate that finds something wins."""
    return _any([c.locator(labels, locale) for c in candidates])


@dataclass(frozen=True)
class Target:
    """A named control the steps act on, with ordered candidates per platform."""

    name: str
    candidates: Mapping[str, tuple[Candidate, ...]]
    description: str = ""
    line: int = 0
    labels: Labels = field(default_factory=lambda: EMPTY_LABELS, repr=False, compare=False)

    def locator(self, platform: str, locale: Locales) -> Locator:
        """The ordered candidates for `platform` in `locale` as one locator."""
        return candidates_locator(self.candidates[platform], self.labels, locale)


@dataclass(frozen=True)
class Anchor:
    """Proof of a screen: every `all` candidate, at least one `any` candidate, no `none` candidate."""

    all: tuple[Locator, ...]
    any: tuple[Locator, ...]
    none: tuple[Locator, ...]

    def find(self, tree: Tree) -> tuple[Node, ...]:
        """The nodes that prove the screen, or () when it is not this screen."""
        proof: list[Node] = []
        for loc in self.all:
            found = loc.find(tree)
            if not found:
                return ()
            proof.extend(found)
        if self.any:
            hits = [n for loc in self.any for n in loc.find(tree)]
            if not hits:
                return ()
            proof.extend(hits)
        if any(loc.find(tree) for loc in self.none):
            return ()
        return tuple(dict.fromkeys(proof))

    def describe(self) -> str:
        """A readable one-line description."""
        parts = [f"all of [{', '.join(x.describe() for x in self.all)}]"] if self.all else []
        if self.any:
            parts.append(f"any of [{', '.join(x.describe() for x in self.any)}]")
        if self.none:
            parts.append(f"none of [{', '.join(x.describe() for x in self.none)}]")
        return "; ".join(parts)


@dataclass(frozen=True)
class AnchorSpec:
    """The anchor of a screen on one platform, as written in the flow."""

    all: tuple[Candidate, ...] = ()
    any: tuple[Candidate, ...] = ()
    none: tuple[Candidate, ...] = ()


# How a screen comes in: after a launch, a tap to a native view or to a web page, or the Back key.
TRANSITIONS = ("launch", "native", "webview", "back")
SCREEN_TRANSITIONS = ("native", "webview")


@dataclass(frozen=True)
class Screen:
    """A screen along the path, recognised by its anchor; `keep_texts`: it holds no personal data, so
    evidence keeps its texts."""

    name: str
    anchors: Mapping[str, AnchorSpec]
    description: str = ""
    line: int = 0
    labels: Labels = field(default_factory=lambda: EMPTY_LABELS, repr=False, compare=False)
    keep_texts: bool = False
    transition: str = "native"  # how the screen comes in: native (an app view) or webview (a web page)

    def anchor(self, platform: str, locale: Locales) -> Anchor:
        """The anchor for `platform` in `locale`."""
        spec = self.anchors[platform]

        def build(cands: tuple[Candidate, ...]) -> tuple[Locator, ...]:
            return tuple(c.locator(self.labels, locale) for c in cands)

        return Anchor(build(spec.all), build(spec.any), build(spec.none))


@dataclass(frozen=True)
class Step:
    """Base of the typed steps; `kind` says which one."""

    kind: ClassVar[str] = "step"
    name: str
    timeout: float | None = None
    line: int = 0


@dataclass(frozen=True)
class LaunchStep(Step):
    """Start (or bring forward) the app; `expect` is the screen to reach, `signed_out` the sign-in screen,
    `locked` the phone's lock screen (a secure lock the tool must leave to the person)."""

    kind: ClassVar[str] = "launch"
    expect: str | None = None
    signed_out: str | None = None
    locked: str | None = None


@dataclass(frozen=True)
class TapStep(Step):
    """Tap a target on screen `on`, then wait for screen `expect`."""

    kind: ClassVar[str] = "tap"
    target: str = ""
    on: str | None = None
    expect: str | None = None
    scroll: bool = False
    if_absent: str | None = None
    unsure_if_word: str | None = None  # label key: a page showing it as a word may hold the row renamed


@dataclass(frozen=True)
class ToggleStep(Step):
    """Read, and in apply mode set, a switch whose label must read `confirm_label` before any tap."""

    kind: ClassVar[str] = "toggle"
    target: str = ""
    on: str | None = None
    scroll: bool = False
    confirm_label: str = ""


@dataclass(frozen=True)
class InterruptionSpec:
    """How to detect and dismiss one interruption on one platform."""

    detect: tuple[Candidate, ...]
    dismiss: tuple[Candidate, ...]


@dataclass(frozen=True)
class Interruption:
    """A dialog that may cover the path; dismissed with a non-granting control."""

    name: str
    platforms: Mapping[str, InterruptionSpec]
    description: str = ""
    line: int = 0
    labels: Labels = field(default_factory=lambda: EMPTY_LABELS, repr=False, compare=False)

    def detect(self, platform: str, locale: Locales) -> Locator | None:
        """The locator that says the interruption is showing, or None if not defined for `platform`."""
        spec = self.platforms.get(platform)
        return candidates_locator(spec.detect, self.labels, locale) if spec else None

    def dismiss(self, platform: str, locale: Locales) -> Locator | None:
        """The ordered dismiss controls for `platform`, or None if not defined for it."""
        spec = self.platforms.get(platform)
        return candidates_locator(spec.dismiss, self.labels, locale) if spec else None


@dataclass(frozen=True)
class Flow:
    """A checked flow file."""

    name: str
    description: str
    apps: Mapping[str, App]
    locales: tuple[str, ...]
    labels: Labels
    screens: Mapping[str, Screen]
    targets: Mapping[str, Target]
    steps: tuple[Step, ...]
    interruptions: tuple[Interruption, ...]
    source: str
    default_timeout: float = 20.0
    transition_s: Mapping[str, float] = field(default_factory=dict)  # expected length per TRANSITIONS kind

    @property
    def platforms(self) -> tuple[str, ...]:
        """Platforms the flow has an app for, in canonical order."""
        return tuple(p for p in PLATFORMS if p in self.apps)

    def app_id(self, platform: str) -> str | None:
        """The app's id on `platform` (Android package, iOS bundle id); None when the flow has no app there."""
        app = self.apps.get(platform)
        return app.app_id if app is not None else None

    def label(self, key: str, locale: str) -> tuple[str, ...]:
        """The accepted spellings of label `key` in `locale`."""
        return self.labels[key][locale]
