"""The LinkedIn app as data: screen specs loaded from YAML and resolved into on-screen views."""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from mobile.core.yaml_lines import lined, parse_yaml
from mobile.errors import ConfigError, Problems
from mobile.sim.activities import PACKAGE

DATA_DIR = Path(__file__).parent / "data"
DESIGN_WIDTH, DESIGN_HEIGHT = 1080, 2400  # screens are laid out in Android pixels; iOS is scaled

# abstract role -> (Android class, XCUITest type)
ROLES: dict[str, tuple[str, str]] = {
    "frame": ("android.widget.FrameLayout", "XCUIElementTypeOther"),
    "layout": ("android.widget.LinearLayout", "XCUIElementTypeOther"),
    "group": ("android.view.ViewGroup", "XCUIElementTypeOther"),
    "view": ("android.view.View", "XCUIElementTypeOther"),
    "compose": ("androidx.compose.ui.platform.ComposeView", "XCUIElementTypeOther"),
    "list": ("androidx.recyclerview.widget.RecyclerView", "XCUIElementTypeCollectionView"),
    "text": ("android.widget.TextView", "XCUIElementTypeStaticText"),
    "button": ("android.widget.Button", "XCUIElementTypeButton"),
    "image_button": ("android.widget.ImageButton", "XCUIElementTypeButton"),
    "image": ("android.widget.ImageView", "XCUIElementTypeImage"),
    "webview": ("android.webkit.WebView", "XCUIElementTypeWebView"),
    "link": ("android.view.View", "XCUIElementTypeLink"),
    "switch": ("{switch_class}", "XCUIElementTypeSwitch"),
    "icon": ("android.widget.TextView", "XCUIElementTypeIcon"),
}
NODE_KEYS = {"role", "id", "text", "desc", "box", "h", "x", "children", "clickable", "scrollable",
             "focusable", "selected", "heading", "key", "on_tap", "when", "repeat", "state", "ios", "android"}
ANDROID_KEYS = {"class", "id", "text", "desc"}
IOS_KEYS = {"type", "name", "label", "text", "value"}
SCREEN_KEYS = {"package", "kind", "modal", "ios_app", "nodes"}
KINDS = {"native", "webview", "system"}
TAP_ACTIONS = {"toggle", "back", "dismiss", "launch", "none"}


def load_yaml(path: Path) -> Any:
    """Read a scenario, screen or labels file: LineDicts (YAML 1.1 booleans), lists and scalars, None when
    empty; every problem is a ConfigError at file:line (the tool's one loader, mobile/core/yaml_lines.py)."""
    if path.is_dir():
        raise ConfigError("is a directory, not a YAML file", str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", str(path)) from None
    except UnicodeDecodeError:
        raise ConfigError("not a UTF-8 text file", str(path)) from None
    return lined(parse_yaml(text, str(path), booleans="1.1"), str(path))


def where(path: Path | str, mapping: Any, key: Any = None) -> str:
    """file:line of a mapping (or of one of its keys)."""
    line = getattr(mapping, "key_lines", {}).get(key) or getattr(mapping, "line", 0) or 1
    return f"{path}:{line}"


def check_keys(path: Path | str, mapping: Any, allowed: set[str], what: str) -> None:
    """Reject unknown keys in a mapping, naming the line of the first one."""
    if not isinstance(mapping, dict):
        raise ConfigError(f"{what} must be a mapping", where(path, mapping))
    problems = Problems()  # every unknown key, not only the first
    for key in mapping:
        if key not in allowed:
            problems.add(ConfigError(f"unknown key {key!r} in {what} (allowed: {', '.join(sorted(allowed))})",
                                     where(path, mapping, key)))
    problems.raise_if_any()


@dataclass(frozen=True)
class Screen:
    """One screen spec: package, kind (picks the transition latency) and its node specs."""

    name: str
    package: str
    kind: str
    nodes: tuple
    modal: bool = False
    ios_app: str = "LinkedIn"
    source: str = ""


def parse_screens(raw: Any, path: Path | str) -> dict[str, Screen]:
    """Check a `screens:` mapping and turn it into Screen objects."""
    if not isinstance(raw, dict):
        raise ConfigError("screens must be a mapping of name -> screen", where(path, raw))
    screens = {}
    for name, spec in raw.items():
        check_keys(path, spec, SCREEN_KEYS, f"screen {name!r}")
        kind = spec.get("kind", "native")
        if kind not in KINDS:
            raise ConfigError(f"screen {name!r}: kind must be one of {sorted(KINDS)}", where(path, spec, "kind"))
        nodes = spec.get("nodes") or []
        if not isinstance(nodes, list):
            raise ConfigError(f"screen {name!r}: nodes must be a list", where(path, spec, "nodes"))
        for node in nodes:
            _check_node(path, node)
        screens[name] = Screen(name, spec.get("package", PACKAGE), kind, tuple(nodes),
                               bool(spec.get("modal", False)), spec.get("ios_app", "LinkedIn"), f"{path}:{spec.line}")
    return screens


def _check_node(path: Path | str, node: Any) -> None:
    check_keys(path, node, NODE_KEYS, "node")
    role = node.get("role", "view")
    if role not in ROLES:
        raise ConfigError(f"unknown role {role!r} (known: {', '.join(sorted(ROLES))})", where(path, node, "role"))
    check_keys(path, node.get("android", {}), ANDROID_KEYS, "android overrides")
    check_keys(path, node.get("ios", {}), IOS_KEYS, "ios overrides")
    tap = node.get("on_tap")
    if tap is not None and not ((isinstance(tap, str) and tap in TAP_ACTIONS) or (isinstance(tap, dict) and set(tap) == {"goto"})):
        raise ConfigError(f"on_tap must be one of {sorted(TAP_ACTIONS)} or {{goto: SCREEN}}", where(path, node, "on_tap"))
    for key in ("box", "x"):
        if key in node and not (isinstance(node[key], list) and all(isinstance(v, int) for v in node[key])):
            raise ConfigError(f"{key} must be a list of integers", where(path, node, key))
    repeat = node.get("repeat")
    if repeat is not None and not (isinstance(repeat, dict) and "texts" in repeat and set(repeat) <= {"texts", "count"}):
        raise ConfigError("repeat must be {texts: LABEL_LIST_KEY, count: VARIABLE (optional)}",
                          where(path, node, "repeat"))
    for child in node.get("children", []) or []:
        _check_node(path, child)


@dataclass
class View:
    """A resolved on-screen node, platform-specific values filled in, bounds in design pixels."""

    role: str
    cls: str
    ios_type: str
    package: str
    bounds: tuple[int, int, int, int]
    text: str = ""
    desc: str | None = None
    id: str | None = None
    ios_name: str | None = None
    ios_label: str | None = None
    ios_value: str | None = None
    clickable: bool = False
    checkable: bool = False
    checked: bool = False
    scrollable: bool = False
    focusable: bool = False
    selected: bool = False
    heading: bool = False
    in_webview: bool = False
    key: str | None = None
    on_tap: Any = None
    scroll_key: str | None = None
    max_offset: int = 0
    children: list["View"] = field(default_factory=list)

    def walk(self):
        """This view and all its descendants in document order."""
        yield self
        for child in self.children:
            yield from child.walk()


# With the scenario variable `ios_web_text: value_only` these web elements carry no name and no label
# (XCUITest often exposes web text only as a StaticText's value; LINKEDIN.md).
_VALUE_ONLY_TYPES = frozenset({"XCUIElementTypeStaticText", "XCUIElementTypeWebView", "XCUIElementTypeSwitch"})


class _Format(string.Formatter):
    def __init__(self, context: dict, source: str):
        self.context, self.source = context, source

    def get_value(self, key, args, kwargs):  # noqa: ANN001 - Formatter signature
        if key not in self.context:
            raise ConfigError(f"unknown label or variable {{{key}}}", self.source)
        return self.context[key]


@dataclass
class ResolveContext:
    """What a screen's nodes are resolved against: platform, labels, variables, scroll and time."""

    platform: str
    labels: dict[str, Any]
    variables: dict[str, Any]
    offsets: dict[str, int]
    since_shown_ms: float
    late_ms: dict[str, float]
    web: dict[str, Any] | None = None  # labels + variables of web content in another language (web_locale)


def resolve(screen: Screen, ctx: ResolveContext) -> list[View]:
    """Turn a screen spec into the views on screen now (scrolled, clipped, late nodes held back)."""
    box = (0, 0, DESIGN_WIDTH, DESIGN_HEIGHT)
    fmt = _Format({**ctx.labels, **ctx.variables}, screen.source)
    views, _ = _build_list(list(screen.nodes), screen, ctx, fmt, box, 0, box, False, screen.name)
    return views


def _matches(when: Any, ctx: ResolveContext) -> bool:
    if not when:
        return True
    for name, wanted in when.items():
        value = ctx.platform if name == "platform" else ctx.variables.get(name)
        if value not in (wanted if isinstance(wanted, list) else [wanted]):
            return False
    return True


def _expand(specs: list, ctx: ResolveContext, fmt: _Format) -> list[tuple[dict, dict]]:
    """Apply `when` and `repeat`; yields (spec, extra format variables)."""
    out: list[tuple[dict, dict]] = []
    for spec in specs:
        if not _matches(spec.get("when"), ctx):
            continue
        repeat = spec.get("repeat")
        if repeat:
            texts = fmt.context.get(repeat.get("texts")) or [""]
            count = int(ctx.variables.get(repeat["count"], 0)) if "count" in repeat else len(texts)
            out.extend((spec, {"row": texts[i % len(texts)], "n": i + 1}) for i in range(count))
        else:
            out.append((spec, {}))
    return out


def _build_list(specs, screen, ctx, fmt, parent_box, shift, clip, in_web, path):  # noqa: ANN001, PLR0913
    """Build sibling views; children with `h` stack top-down, others use `box`; returns (views, bottom)."""
    views, bottom = [], parent_box[3]
    cursor = parent_box[1]
    for i, (spec, extra) in enumerate(_expand(specs, ctx, fmt)):
        if "h" in spec:
            left, right = spec.get("x", [0, parent_box[2] - parent_box[0]])
            box = (parent_box[0] + left, cursor, parent_box[0] + right, cursor + spec["h"])
            cursor += spec["h"]
        else:
            l, t, r, b = spec.get("box", [0, 0, parent_box[2] - parent_box[0], parent_box[3] - parent_box[1]])
            box = (parent_box[0] + l, parent_box[1] + t, parent_box[0] + r, parent_box[1] + b)
        view, sub_bottom = _build(spec, extra, screen, ctx, fmt, box, shift, clip, in_web, f"{path}/{i}")
        bottom = max(bottom, box[3], sub_bottom)
        if view is not None:
            views.append(view)
    return views, bottom


def _build(spec, extra, screen, ctx, fmt, box, shift, clip, in_web, path):  # noqa: ANN001, PLR0913
    role = spec.get("role", "view")
    if role == "webview" and not in_web and ctx.web is not None:
        fmt = _Format(ctx.web, fmt.source)  # the page (its title too) is in the web content's language
    plat = spec.get(ctx.platform, {}) or {}
    local = _Format({**fmt.context, **extra}, fmt.source)
    text = local.format(str(plat.get("text", spec.get("text", ""))))
    key = spec.get("key")
    if key and key in ctx.late_ms and ctx.since_shown_ms < ctx.late_ms[key]:
        return None, box[3]
    shown = (box[0], box[1] - shift, box[2], box[3] - shift)
    bounds = (max(shown[0], clip[0]), max(shown[1], clip[1]), min(shown[2], clip[2]), min(shown[3], clip[3]))
    cls, ios_type = ROLES[role]
    desc = spec.get("desc")
    raw_id = spec.get("id")
    view = View(
        role=role, cls=local.format(plat.get("class", cls)), ios_type=plat.get("type", ios_type),
        package=screen.package, bounds=bounds, text=text,
        desc=local.format(str(plat.get("desc", desc))) if plat.get("desc", desc) is not None else None,
        clickable=bool(spec.get("clickable", False)), scrollable=bool(spec.get("scrollable", False)),
        focusable=bool(spec.get("focusable", spec.get("clickable", False))), selected=bool(spec.get("selected")),
        heading=bool(spec.get("heading")), in_webview=in_web, key=key, on_tap=spec.get("on_tap"),
    )
    raw_id = plat.get("id", raw_id)
    raw_id = local.format(str(raw_id)) if raw_id is not None else ""
    if raw_id:  # an id that formats to "" is absent, as an HTML element without an id
        # WebView content carries bare HTML ids; native views get the package prefix
        view.id = raw_id if in_web or ":" in raw_id else f"{screen.package}:id/{raw_id}"
    for name in ("name", "label", "value"):
        if name in plat:
            setattr(view, f"ios_{name}", local.format(str(plat[name])))
    if spec.get("state"):
        view.checkable, view.checked = True, bool(ctx.variables.get(spec["state"]))
    if (ctx.platform == "ios" and ctx.variables.get("ios_web_text") == "value_only" and (in_web or role == "webview")
            and view.ios_type in _VALUE_ONLY_TYPES):
        view.ios_label = view.ios_name = ""  # web text only in `value`; the WebView and the switch unnamed
    if bounds[2] <= bounds[0] or bounds[3] <= bounds[1]:
        view = None  # scrolled out of the viewport: not in the page source at all
    child_shift, child_clip = shift, clip
    if spec.get("scrollable"):
        scroll_key = spec.get("key") or path
        offset = ctx.offsets.get(scroll_key, 0)
        child_shift, child_clip = shift + offset, bounds
    children, bottom = _build_list(spec.get("children") or [], screen, ctx, fmt, box, child_shift, child_clip,
                                   in_web or role == "webview", path)
    if view is not None:
        view.children = children
        if spec.get("scrollable"):
            view.scroll_key = spec.get("key") or path
            view.max_offset = max(0, bottom - box[3])
    return view, bottom


# Every phone (a farm's, a benchmark's, a test's) reads the same shipped screen, label and scenario files:
# each is parsed once per content, keyed by its path, size and modification time (an edited file is read
# again). Only files under DATA_DIR: a user's file may be rewritten within the clock's granularity.
_PARSED: dict[tuple[str, int, int], Any] = {}


def parsed_once(path: Path, parse: Callable[[Path], Any]) -> Any:
    """`parse(path)`, kept for a shipped file (under DATA_DIR): what it returns is shared, so read-only."""
    if not path.is_relative_to(DATA_DIR):  # the shipped files' paths are built from DATA_DIR
        return parse(path)
    try:
        stat = path.stat()
    except OSError:
        return parse(path)  # the parser names the file and the problem
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _PARSED:
        _PARSED[key] = parse(path)
    return _PARSED[key]


def _parse_screen_file(path: Path) -> dict[str, Screen]:
    raw = load_yaml(path)
    check_keys(path, raw, {"screens"}, "screen file")
    return parse_screens(raw["screens"], path)


def load_screen_files(paths: list[Path]) -> dict[str, Screen]:
    """Load and merge several screen files (later files win by screen name); Screens are frozen."""
    screens: dict[str, Screen] = {}
    for path in paths:
        screens.update(parsed_once(path, _parse_screen_file))
    return screens


def _parse_labels(path: Path) -> dict[str, dict[str, Any]]:
    raw = load_yaml(path)
    check_keys(path, raw, {"locales"}, "labels file")
    return {str(loc): dict(table) for loc, table in raw["locales"].items()}


def load_labels(path: Path) -> dict[str, dict[str, Any]]:
    """Locale -> label key -> text (lists allowed, e.g. filler rows); the caller's own dicts."""
    return {loc: dict(table) for loc, table in parsed_once(path, _parse_labels).items()}


def default_screens() -> dict[str, Screen]:
    """The built-in LinkedIn, launcher and system screens."""
    files = sorted(p for p in (DATA_DIR / "screens").glob("*.yaml") if p.name != "labels.yaml")
    return load_screen_files(files)
