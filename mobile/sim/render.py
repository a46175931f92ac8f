"""Page-source renderers: resolved views -> the exact UiAutomator2 or XCUITest XML."""

from __future__ import annotations

from mobile.sim.app import DESIGN_HEIGHT, DESIGN_WIDTH, View

ANDROID_HEADER = "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>"
IOS_HEADER = '<?xml version="1.0" encoding="UTF-8"?>'
WINDOW_ID = "1"
# XCUITest marks these accessible; containers (Other, WebView, Window, Application) are not
IOS_ACCESSIBLE = {"XCUIElementTypeStaticText", "XCUIElementTypeButton", "XCUIElementTypeSwitch",
                  "XCUIElementTypeLink", "XCUIElementTypeImage", "XCUIElementTypeIcon", "XCUIElementTypeTextField"}


# one pass over the text (xml.sax.saxutils.escape with these entities, ~5x faster: every source read renders)
_ATTRIBUTE_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;"})


def _attr(value: object) -> str:
    return str(value).translate(_ATTRIBUTE_ESCAPES)


def _bool(value: bool) -> str:
    return "true" if value else "false"


def android_xml(views: list[View], width: int, height: int) -> str:
    """UiAutomator2 format: attribute order and omissions as AccessibilityNodeInfoDumper writes them."""
    lines = [ANDROID_HEADER,
             f'<hierarchy index="0" class="hierarchy" rotation="0" width="{width}" height="{height}">']
    for index, view in enumerate(views):
        _android_node(view, index, 1, lines)
    lines.append("</hierarchy>")
    return "\n".join(lines)


def android_attributes(view: View, index: int) -> list[tuple[str, str]]:
    """The (name, value) pairs of one node, in UiAutomator2's order."""
    l, t, r, b = view.bounds
    attrs = [("index", str(index)), ("package", view.package), ("class", view.cls), ("text", view.text)]
    if view.desc is not None:
        attrs.append(("content-desc", view.desc))
    if view.id is not None:
        attrs.append(("resource-id", view.id))
    attrs += [
        ("checkable", _bool(view.checkable)), ("checked", _bool(view.checkable and view.checked)),
        ("clickable", _bool(view.clickable)), ("enabled", "true"), ("focusable", _bool(view.focusable)),
        ("focused", "false"), ("long-clickable", "false"), ("password", "false"),
        ("scrollable", _bool(view.scrollable)), ("selected", _bool(view.selected)),
        ("bounds", f"[{l},{t}][{r},{b}]"), ("displayed", "true"),
    ]
    if view.in_webview or view.cls == "android.webkit.WebView":
        attrs.append(("hint", ""))  # Chromium reports an empty hint rather than null
    attrs += [
        ("a11y-important", _bool(view.clickable or bool(view.text) or view.desc is not None)),
        ("screen-reader-focusable", "false"), ("drawing-order", "0" if view.in_webview else str(index + 1)),
        ("showing-hint", "false"), ("text-entry-key", "false"), ("dismissable", "false"),
        ("a11y-focused", "false"), ("heading", _bool(view.heading)), ("live-region", "0"),
        ("context-clickable", "false"), ("content-invalid", "false"),
    ]
    if view.in_webview or view.cls == "android.webkit.WebView":
        attrs.append(("tooltip-text", ""))
    attrs.append(("window-id", WINDOW_ID))
    return attrs


def _android_node(view: View, index: int, depth: int, lines: list[str]) -> None:
    pad = "  " * depth
    attrs = " ".join(f'{name}="{_attr(value)}"' for name, value in android_attributes(view, index))
    if not view.children:
        lines.append(f"{pad}<{view.cls} {attrs} />")
        return
    lines.append(f"{pad}<{view.cls} {attrs}>")
    for child_index, child in enumerate(view.children):
        _android_node(child, child_index, depth + 1, lines)
    lines.append(f"{pad}</{view.cls}>")


def ios_attributes(view: View, index: int, width: int, height: int) -> list[tuple[str, str]]:
    """The (name, value) pairs of one XCUITest element, in WebDriverAgent's order."""
    sx, sy = width / DESIGN_WIDTH, height / DESIGN_HEIGHT
    l, t, r, b = view.bounds
    x, y = round(l * sx), round(t * sy)
    w, h = round(r * sx) - x, round(b * sy) - y
    value = view.ios_value
    if value is None and view.checkable:
        value = "1" if view.checked else "0"
    if value is None and view.ios_type == "XCUIElementTypeStaticText":
        value = view.text
    label = view.ios_label if view.ios_label is not None else (view.desc or view.text or None)
    name = view.ios_name if view.ios_name is not None else label  # WDA falls back to the label
    attrs = [("type", view.ios_type)]
    attrs += [(k, v) for k, v in (("value", value), ("name", name), ("label", label)) if v is not None]
    accessible = view.ios_type in IOS_ACCESSIBLE or (view.ios_type == "XCUIElementTypeOther" and label is not None)
    attrs += [("enabled", "true"), ("visible", "true"), ("accessible", _bool(accessible)),
              ("x", str(x)), ("y", str(y)), ("width", str(w)), ("height", str(h)), ("index", str(index))]
    return attrs


def ios_xml(views: list[View], app_name: str, width: int, height: int) -> str:
    """XCUITest format: AppiumAUT > Application > Window > the screen's elements."""
    head = (f'<XCUIElementTypeApplication type="XCUIElementTypeApplication" name="{_attr(app_name)}" '
            f'label="{_attr(app_name)}" enabled="true" visible="true" accessible="false" x="0" y="0" '
            f'width="{width}" height="{height}" index="0">')
    window = (f'<XCUIElementTypeWindow type="XCUIElementTypeWindow" enabled="true" visible="true" '
              f'accessible="false" x="0" y="0" width="{width}" height="{height}" index="0">')
    lines = [IOS_HEADER, "<AppiumAUT>", f"  {head}", f"    {window}"]
    for index, view in enumerate(views):
        _ios_node(view, index, 3, lines, width, height)
    lines += ["    </XCUIElementTypeWindow>", "  </XCUIElementTypeApplication>", "</AppiumAUT>"]
    return "\n".join(lines)


def _ios_node(view: View, index: int, depth: int, lines: list[str], width: int, height: int) -> None:
    pad = "  " * depth
    attrs = " ".join(f'{k}="{_attr(v)}"' for k, v in ios_attributes(view, index, width, height))
    if not view.children:
        lines.append(f"{pad}<{view.ios_type} {attrs}/>")
        return
    lines.append(f"{pad}<{view.ios_type} {attrs}>")
    for child_index, child in enumerate(view.children):
        _ios_node(child, child_index, depth + 1, lines, width, height)
    lines.append(f"{pad}</{view.ios_type}>")
