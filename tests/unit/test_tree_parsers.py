"""The two event sources of tree.py (libxml2 fast path, expat reference) must build identical trees."""

from __future__ import annotations

from pathlib import Path

import pytest

from mobile.core import tree as T
from mobile.errors import PageSourceError

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ALL = sorted(FIXTURES.glob("*/*/*.xml"))
HEAD = "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<hierarchy rotation='0' width='10' height='20'>"


def built(b: T._Builder) -> tuple:
    return (b.root[0], b.nodes, b.tags, b.ends, b.unknown)


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.relative_to(FIXTURES).as_posix())
def test_fast_path_builds_what_expat_builds(path: Path) -> None:
    data = path.read_bytes()
    fast = T._parse_lxml(data)
    assert fast is not None, "a fixture fell off the fast path"
    assert built(fast) == built(T._parse_expat(data))


@pytest.mark.parametrize("body", [
    '<a text="x &amp; y &lt; &quot; &apos; &#38; &#x1F600; &#10;z" content-desc="l1\nl2\tt\r\nz"/>',
    "<a text='single \"q\" &#34;'/>",
    '<a text="caf\u00e9 \U0001F600 \u00a0 \u202f x"/>',
    '<a text="x"><!-- c --><?pi x?><![CDATA[ t ]]>text</a>',
    '<a bounds="[1,2][3,4]" checkable="true"/><b bounds="[1,2][3,4" checkable="true" checked="true"/>',
])
def test_fast_path_reads_values_as_expat_does(body: str) -> None:
    data = (HEAD + body + "</hierarchy>").encode()
    fast = T._parse_lxml(data)
    assert fast is not None and built(fast) == built(T._parse_expat(data))


@pytest.mark.parametrize("data", [
    b"<!DOCTYPE hierarchy [<!ENTITY e 'ent'>]><hierarchy><a text='&e;'/></hierarchy>",
    b"<hierarchy><p:a/></hierarchy>",  # unbound prefix: libxml2 only warns, ElementTree refuses
    "<hierarchy><a x\U0001F600='1'/></hierarchy>".encode(),  # a name only XML 1.0 5th edition allows
    "<hierarchy><caf\u00e9/></hierarchy>".encode(),
    b"<hierarchy><a></b></hierarchy>",
])
def test_what_libxml2_might_read_otherwise_goes_to_expat(data: bytes) -> None:
    assert T._parse_lxml(data) is None


def test_names_outside_xml_4th_edition_stay_errors() -> None:
    with pytest.raises(PageSourceError, match="not well-formed"):
        T.parse_page_source("<hierarchy><a x\U0001F600='1'/></hierarchy>")
    with pytest.raises(PageSourceError, match="unbound prefix"):
        T.parse_page_source("<hierarchy><p:a/></hierarchy>")


def test_other_encodings_go_to_expat() -> None:
    latin = "<?xml version='1.0' encoding='ISO-8859-1'?><hierarchy><a text='caf\u00e9'/></hierarchy>"
    assert not T._lxml_can_take(latin.encode("latin-1"))
    assert T.parse_page_source(latin.encode("latin-1")).root.text == "caf\u00e9"
    utf16 = "<?xml version='1.0' encoding='UTF-16'?><hierarchy><a text='caf\u00e9'/></hierarchy>".encode("utf-16")
    assert not T._lxml_can_take(utf16)
    assert T.parse_page_source(utf16).root.text == "caf\u00e9"
