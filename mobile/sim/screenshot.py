"""Wireframe PNG screenshots of the resolved views (Pillow, default font)."""

from __future__ import annotations

import functools
import io

from PIL import Image, ImageDraw, ImageFont

from mobile.sim.app import DESIGN_HEIGHT, DESIGN_WIDTH, View

ACCENT = (10, 102, 194)  # LinkedIn blue
GREY = (190, 190, 190)
INK = (30, 30, 30)


Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def _size(font: Font) -> int:
    """The font's size in pixels (Pillow's bitmap fallback font has no `size`: about 10)."""
    return int(font.size) if isinstance(font, ImageFont.FreeTypeFont) else 10


@functools.lru_cache(maxsize=8)
def _font(size: int) -> Font:
    """DejaVu Sans where the system has it (accented letters for nl/de/fr/es/pt-BR/it), else Pillow's own."""
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        pass
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow without FreeType: the tiny bitmap font still works
        return ImageFont.load_default()


def _fit(caption: str, font: Font, room: int) -> str:
    """The caption cut with an ellipsis so it stays inside its box."""
    if font.getlength(caption) <= room:
        return caption
    caption = caption[: max(1, int(room / (_size(font) * 0.4)))]  # no glyph is narrower
    while caption and font.getlength(caption + "…") > room:
        caption = caption[:-1]
    return caption + "…" if caption else ""


def png(views: list[View], platform: str, width: int, height: int) -> bytes:
    """Boxes for every node, their text or label, and switches drawn on (blue) or off (grey)."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font = _font(max(12, width // 30))  # readable at phone resolution, like the app's body text
    size = _size(font)
    sx, sy = width / DESIGN_WIDTH, height / DESIGN_HEIGHT
    for view in (v for root in views for v in root.walk()):
        l, t, r, b = view.bounds
        box = (round(l * sx), round(t * sy), max(round(l * sx), round(r * sx) - 1), max(round(t * sy), round(b * sy) - 1))
        if view.checkable:
            fill = ACCENT if view.checked else GREY
            draw.rounded_rectangle(box, radius=max(1, (box[3] - box[1]) // 2), fill=fill)
            knob = box[3] - box[1]
            kx = box[2] - knob if view.checked else box[0]
            draw.ellipse((kx, box[1], kx + knob, box[3]), fill="white", outline=fill)
            continue
        draw.rectangle(box, outline=ACCENT if view.clickable else GREY)
        caption = view.text or view.desc or ""
        if caption:
            middle = (box[1] + box[3]) // 2 if box[3] - box[1] < 4 * size else box[1] + size
            room = box[2] - box[0] - size
            draw.text((box[0] + size // 2, middle), _fit(caption, font, room), fill=INK, font=font, anchor="lm")
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)  # speed over size: screenshots are taken per step
    return out.getvalue()
