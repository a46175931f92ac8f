"""Redaction of saved evidence: page sources and screenshots hold names, messages and feed posts.

Text-like attributes of every node that is not a flow target, the switch or a screen anchor are masked.
Kept nodes are named by their index in the Tree's document order and/or by their (normalised) label.
"""

from __future__ import annotations

import io
import re
from typing import Iterable

from lxml import etree

from mobile.core.locate import normalize_text
from mobile.core.tree import BOUNDS_RE

MASK = "•••"
# attributes that carry what the user sees or hears; ids, roles and geometry stay
ANDROID_TEXT_ATTRS = ("text", "original-text", "content-desc", "hint", "tooltip-text", "pane-title")
IOS_TEXT_ATTRS = ("label", "value", "name", "placeholderValue", "title")
# Appium logs the first KB of every response: page sources and screenshots must not reach its log (they
# hold names and feed text, unmasked). Appium applies these JS regexes to every message it logs
# (`--log-filters`); scrub_log() applies the same ones to any log we keep, in case another server wrote it.
PAGE_SOURCE_START = r"(?:<\?xml|<hierarchy|<XCUIElementType|<AppiumAUT|\\u003c\?xml|\\u003chierarchy)"
LOG_FILTERS = (
    {"pattern": PAGE_SOURCE_START + r"[\s\S]*", "replacer": "[page source removed]"},
    {"pattern": r"iVBORw0KGgo[A-Za-z0-9+/=\\]*", "replacer": "[screenshot removed]"},
)
_LOG_LINE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
_SOURCE_RX = re.compile(PAGE_SOURCE_START)
_SHOT_RX = re.compile(LOG_FILTERS[1]["pattern"])


def scrub_log(text: str) -> str:
    """An Appium log without page sources (a message from the first `<?xml`/`<hierarchy` on, with its
    continuation lines) and without base64 screenshots."""
    out: list[str] = []
    dropping = False
    for line in text.splitlines(keepends=True):
        if dropping and not _LOG_LINE.match(line):
            continue
        dropping = False
        found = _SOURCE_RX.search(line)
        if found:
            line = line[:found.start()] + "[page source removed]\n"
            dropping = True
        out.append(_SHOT_RX.sub("[screenshot removed]", line))
    return "".join(out)


def _elements(root: etree._Element) -> list[etree._Element]:
    """Nodes in the Tree's document order: every element under the root wrapper."""
    return [el for el in root.iter() if el is not root and isinstance(el.tag, str)]


def _parse(xml: str | bytes) -> etree._Element:
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    return etree.fromstring(data, parser)


def _platform(root: etree._Element) -> str:
    return "android" if root.tag == "hierarchy" else "ios"


def _is_kept(el: etree._Element, index: int, keep_nodes: set[int], keep_texts: set[str], attrs: tuple) -> bool:
    if index in keep_nodes:
        return True
    return any(normalize_text(el.get(a) or "") in keep_texts for a in attrs if el.get(a))


def masked_nodes(xml: str | bytes, keep_nodes: Iterable[int] = (), keep_texts: Iterable[str] = ()) -> list[int]:
    """Indices of the nodes redaction would mask (they carry visible text and are not kept)."""
    root = _parse(xml)
    attrs = ANDROID_TEXT_ATTRS if _platform(root) == "android" else IOS_TEXT_ATTRS
    keep_n, keep_t = set(keep_nodes), {normalize_text(t) for t in keep_texts if t}
    return [i for i, el in enumerate(_elements(root))
            if any(el.get(a) for a in attrs) and not _is_kept(el, i, keep_n, keep_t, attrs)]


def redact_source(xml: str | bytes, keep_nodes: Iterable[int] = (), keep_texts: Iterable[str] = ()) -> str:
    """The page source with text/content-desc/label/value of every non-kept node masked."""
    root = _parse(xml)
    platform = _platform(root)
    attrs = ANDROID_TEXT_ATTRS if platform == "android" else IOS_TEXT_ATTRS
    keep_n, keep_t = set(keep_nodes), {normalize_text(t) for t in keep_texts if t}
    for i, el in enumerate(_elements(root)):
        if _is_kept(el, i, keep_n, keep_t, attrs):
            continue
        for attr in attrs:
            value = el.get(attr)
            if not value:
                continue
            # a switch's value ("0"/"1") and the app's own name are not personal; keep them readable
            if platform == "ios" and attr == "value" and value in ("0", "1"):
                continue
            el.set(attr, MASK)
    declaration = ("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n" if platform == "android"
                   else '<?xml version="1.0" encoding="UTF-8"?>')
    return declaration + etree.tostring(root, encoding="unicode")


def node_rects(xml: str | bytes, indices: Iterable[int]) -> list[tuple[int, int, int, int]]:
    """(left, top, right, bottom) of the given nodes, in page-source units."""
    root = _parse(xml)
    wanted = set(indices)
    rects = []
    for i, el in enumerate(_elements(root)):
        if i not in wanted:
            continue
        if el.get("bounds"):
            m = BOUNDS_RE.fullmatch(el.get("bounds", ""))
            if m:
                left, top, right, bottom = (int(g) for g in m.groups())
                rects.append((left, top, right, bottom))
        elif el.get("width") is not None:
            x, y = int(float(el.get("x", 0))), int(float(el.get("y", 0)))
            rects.append((x, y, x + int(float(el.get("width", 0))), y + int(float(el.get("height", 0)))))
    return rects


def redact_screenshot(png: bytes, xml: str | bytes, keep_nodes: Iterable[int] = (),
                      keep_texts: Iterable[str] = ()) -> bytes:
    """The screenshot with the masked nodes' boxes painted over (screen-sized containers excepted)."""
    from PIL import Image, ImageDraw  # here: the pytest plugin imports this module; Pillow loads on first use

    root = _parse(xml)
    screen_w = _screen_width(root)
    indices = masked_nodes(xml, keep_nodes, keep_texts)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    scale = image.width / screen_w if screen_w else 1.0
    rects = _not_screen_sized(node_rects(xml, indices), image.width * image.height / (scale * scale))
    draw = ImageDraw.Draw(image)
    for left, top, right, bottom in rects:
        draw.rectangle([left * scale, top * scale, right * scale, bottom * scale], fill=(120, 120, 120))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _screen_width(root: etree._Element) -> int:
    if root.get("width"):
        return int(float(root.get("width", 0)))
    first = next(iter(_elements(root)), None)
    return int(float(first.get("width", 0))) if first is not None and first.get("width") else 0


def _not_screen_sized(rects: list[tuple[int, int, int, int]], screen_area: float) -> list[tuple]:
    """Drop boxes covering half the screen or more: a labelled root container would blank the image."""
    return [r for r in rects if (r[2] - r[0]) * (r[3] - r[1]) < 0.5 * screen_area]
