"""Redaction of evidence: personal text is masked, flow targets, the switch and flow labels stay readable."""

from __future__ import annotations

import io
from pathlib import Path

from lxml import etree
from PIL import Image

from mobile.core.flow import find_flow
from mobile.core.tree import parse_page_source
from mobile.output.redact import MASK, masked_nodes, redact_screenshot, redact_source
from mobile.run.device import keep_texts

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FLOW = find_flow("linkedin-genai")
LABELS = keep_texts(FLOW)


def fixture(platform: str, name: str) -> str:
    return (FIXTURES / platform / "en" / f"{name}.xml").read_text(encoding="utf-8")


def attrs(xml: str, name: str) -> list[str]:
    root = etree.fromstring(xml.encode("utf-8"))
    return [el.get(name) for el in root.iter() if el.get(name)]


def test_android_feed_names_are_masked_and_flow_labels_kept() -> None:
    out = redact_source(fixture("android", "home"), keep_texts=LABELS)
    assert "Sam Sample" not in out and "A feed post by" not in out
    assert MASK in attrs(out, "content-desc") and MASK in attrs(out, "text")
    assert "My Profile and Communities" in attrs(out, "content-desc")  # the profile photo's flow label
    assert "com.linkedin.android:id/me_launcher_container" in attrs(out, "resource-id")  # ids stay


def test_redacted_source_still_parses_to_the_same_tree_shape() -> None:
    raw = fixture("android", "genai_on")
    tree, redacted = parse_page_source(raw), parse_page_source(redact_source(raw, keep_texts=LABELS))
    assert [(n.role, n.bounds, n.checked) for n in tree.nodes] == [(n.role, n.bounds, n.checked) for n in redacted.nodes]
    assert redact_source(raw).startswith("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>")


def test_kept_node_indices_stay_readable() -> None:
    raw = fixture("android", "genai_on")
    tree = parse_page_source(raw)
    description = next(n for n in tree.nodes if n.text.startswith("Can LinkedIn"))
    out = parse_page_source(redact_source(raw, keep_nodes={description.index}))
    assert out.nodes[description.index].text == description.text
    assert all(n.text in ("", MASK) for n in out.nodes if n.index != description.index)


def test_ios_label_name_value_masked_but_switch_value_kept() -> None:
    raw = fixture("ios", "genai_on")
    out = redact_source(raw)
    root = etree.fromstring(out.encode("utf-8"))
    switch = root.find(".//XCUIElementTypeSwitch")
    assert switch.get("label") == MASK and switch.get("name") == MASK and switch.get("value") == "1"
    assert out.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    kept = redact_source(raw, keep_texts=LABELS)
    assert "Use my data for training content creation AI models" in attrs(kept, "label")
    assert not any("personal data and content" in v for v in attrs(kept, "label"))


def test_masked_nodes_lists_only_nodes_with_text() -> None:
    raw = fixture("android", "home")
    tree = parse_page_source(raw)
    masked = masked_nodes(raw, keep_texts=LABELS)
    assert masked and all((tree.nodes[i].text or tree.nodes[i].label) for i in masked)


def test_screenshot_boxes_of_masked_nodes_are_painted_over() -> None:
    raw = fixture("android", "home")
    tree = parse_page_source(raw)
    image = Image.new("RGB", (540, 1200), (255, 255, 255))  # half the page-source resolution
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    out = Image.open(io.BytesIO(redact_screenshot(buf.getvalue(), raw, keep_texts=LABELS)))
    post = next(n for n in tree.nodes if n.label == "Sam Sample, 2nd degree connection")
    x, y = post.bounds.center
    assert out.getpixel((x // 2, y // 2)) != (255, 255, 255)  # scaled to the image and painted
    photo = next(n for n in tree.nodes if n.label == "My Profile and Communities")
    px, py = photo.bounds.center
    assert out.getpixel((px // 2, py // 2)) == (255, 255, 255)  # the flow target stays visible
