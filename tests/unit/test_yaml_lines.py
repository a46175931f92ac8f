"""The one YAML loader (mobile/core/yaml_lines.py): lines, the two boolean dialects, repeated and non-string
keys as each file kind words them, merge keys, unknown tags and the bounds (size, alias bomb, nesting)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mobile.core.flow_yaml import parse_raw
from mobile.core.yaml_lines import LineDict, Raw, first_bad_key, lined, parse_yaml, plain
from mobile.errors import ConfigError, ConfigErrors
from mobile.reach.devices import parse_devices
from mobile.sim.app import load_yaml


def load(text: str, booleans: str = "1.2") -> Raw:
    raw = parse_yaml(text, "f.yaml", booleans=booleans)  # type: ignore[arg-type]
    assert raw is not None
    return raw


def bomb(levels: int = 9) -> str:
    """A billion-laughs YAML: 9 aliases per level, `levels` levels (9**9 values)."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_every_value_and_key_keeps_its_line() -> None:
    raw = load("# comment\ntop:\n  a: 1\n  b:\n    - x\n    -\n      y\n  c: {d: [e]}\n")
    assert raw.line == 2 and raw.key_lines == {"top": 2}
    top = raw.value["top"]  # type: ignore[index]
    assert top.line == 3 and top.key_lines == {"a": 3, "b": 4, "c": 8}
    items = top.value["b"]
    assert items.line == 5 and [(item.value, item.line) for item in items.value] == [("x", 5), ("y", 7)]
    assert top.value["c"].value["d"].value[0].line == 8


def test_scalars_keep_their_types_and_dates_their_text() -> None:
    raw = load("s: text\ni: 3\nf: 1.5\nn: null\nb: true\nd: 2024-01-01\nq: '5'\n")
    got = {key: (value.value, value.tag) for key, value in raw.value.items()}  # type: ignore[union-attr]
    assert got == {"s": ("text", "str"), "i": (3, "int"), "f": (1.5, "float"), "n": (None, "null"),
                   "b": (True, "bool"), "d": ("2024-01-01", "timestamp"), "q": ("5", "str")}


@pytest.mark.parametrize(("word", "yaml_1_1"), [("yes", True), ("No", False), ("on", True), ("OFF", False),
                                                ("true", True), ("False", False)])
def test_boolean_dialects(word: str, yaml_1_1: bool) -> None:
    assert plain(load(f"v: {word}\n", "1.1"), "f") == {"v": yaml_1_1}
    expected_1_2 = yaml_1_1 if word.lower() in ("true", "false") else word  # only true/false are booleans
    assert plain(load(f"v: {word}\n", "1.2"), "f") == {"v": expected_1_2}


def test_repeated_and_non_string_keys_are_kept_for_the_checker() -> None:
    raw = load("a: 1\n2: x\nb:\n  c: 1\n  c: 2\na: 3\n")
    assert plain(raw.value["a"], "f") == 1 and raw.key_lines["a"] == 1  # type: ignore[index]
    assert [(key.value, key.line) for key, _ in raw.pairs] == [("a", 1), (2, 2), ("b", 3), ("a", 6)]
    first = first_bad_key(raw)
    assert first is not None and (first.key.value, first.key.line, first.first_line) == (2, 2, None)
    inner = first_bad_key(raw.value["b"])  # type: ignore[index]
    assert inner is not None and (inner.key.value, inner.key.line, inner.first_line) == ("c", 5, 4)


def test_each_file_kind_words_a_repeated_key_its_own_way(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^flow.yaml:3: duplicate key 'a'$"):
        parse_raw("a: 1\nb: 2\na: 3\n", "flow.yaml")
    with pytest.raises(ConfigError, match=r"^flow.yaml:2: keys must be strings, got number 1$"):
        parse_raw("a: 1\n1: 2\n", "flow.yaml")
    with pytest.raises(ConfigError, match=r"^d.yaml:3: duplicate key 'a' in devices \(first at line 2\)$"):
        parse_devices("devices:\n  a: {platform: android, serial: x}\n  a: {platform: android, serial: y}\n",
                      "d.yaml")
    with pytest.raises(ConfigError, match=r"^s.yaml:3: duplicate key 'b' \(first at line 2\)$"):
        lined(load("a:\n  b: 1\n  b: 2\n"), "s.yaml")
    scenario = tmp_path / "s.yaml"
    scenario.write_text("description: a\ndescription: b\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"^{scenario}:2: duplicate key 'description' \(first at line 1\)$"):
        load_yaml(scenario)


def test_devices_yaml_lists_every_bad_key_of_a_mapping() -> None:
    text = "devices:\n  a:\n    platform: android\n    yes: 1\n    serial: x\n    serial: y\n    colour: red\n"
    with pytest.raises(ConfigErrors) as caught:
        parse_devices(text, "d.yaml")
    assert caught.value.lines == [
        "d.yaml:4: device 'a': keys must be strings",  # YAML 1.1: `yes` is a boolean in devices.yaml
        "d.yaml:6: duplicate key 'serial' in device 'a' (first at line 5)",
        "d.yaml:7: unknown key 'colour' in device 'a' (allowed: platform, serial, udid, simulator, appium, "
        "capabilities, locale)",
    ]


def test_lined_view_is_plain_dicts_with_lines() -> None:
    view = lined(load("a:\n  b: [1, {c: yes}]\n  1: one\n", "1.1"), "s.yaml")
    assert isinstance(view, LineDict) and view == {"a": {"b": [1, {"c": True}], 1: "one"}}
    assert (view.line, view.key_lines) == (1, {"a": 1})
    assert (view["a"].line, view["a"].key_lines) == (2, {"b": 2, 1: 3})
    assert lined(None, "s.yaml") is None


def test_merge_keys_merge_and_may_be_overridden() -> None:
    text = "base: &b {x: 1, y: 2}\nother: &o {y: 9, z: 3}\nuse:\n  <<: [*b, *o]\n  x: 5\n"
    raw = load(text)
    assert first_bad_key(raw) is None  # overriding a merged key is not a repeated key
    assert plain(raw, "f")["use"] == {"x": 5, "y": 2, "z": 3}  # own keys win, then the first merged map
    assert raw.value["use"].key_lines == {"y": 1, "z": 2, "x": 5}  # type: ignore[index]
    with pytest.raises(ConfigError, match=r"^f:4: duplicate key 'x' \(first at line 2\)$"):
        lined(load("use:\n  x: 1\n  <<: {x: 2}\n  x: 3\n"), "f")  # two own keys still repeat
    nested = load("base: &b {x: 1}\nmid: &m {<<: *b, x: 3}\ntop: {<<: *m, z: 4}\n")
    assert plain(nested, "f")["top"] == {"x": 3, "z": 4}  # what `mid` says (PyYAML's own merge gives x: 1)
    with pytest.raises(ConfigError, match=r"^f.yaml:1: invalid YAML: expected a mapping or list of mappings for merging"):
        load("a: {<<: 5}\n")


@pytest.mark.parametrize(("text", "message"), [
    ("a: [1\n", "f.yaml:2: invalid YAML: expected ',' or ']', but got '<stream end>'"),
    ("a: !foo x\n", "f.yaml:1: invalid YAML: could not determine a constructor for the tag '!foo'"),
    ("a: !foo {b: 1}\n", "f.yaml:1: invalid YAML: could not determine a constructor for the tag '!foo'"),
    ("a: !!int abc\n", "f.yaml:1: invalid YAML: 'abc' is not a valid int"),
    ("a: !!str {b: 1}\n", "f.yaml:1: invalid YAML: expected a scalar node for str, but found mapping"),
    ("---\na: 1\n---\nb: 2\n", "f.yaml:3: invalid YAML: but found another document"),
])
def test_malformed_yaml_is_one_line_at_file_line(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_yaml(text, "f.yaml", booleans="1.1")
    assert str(caught.value) == message


def test_an_empty_document_is_none_and_each_file_kind_says_so() -> None:
    assert parse_yaml("# nothing\n", "f.yaml", booleans="1.2") is None
    with pytest.raises(ConfigError, match=r"^f.yaml:1: the file is empty$"):
        parse_raw("\n", "f.yaml")
    with pytest.raises(ConfigError, match=r"^d.yaml:1: empty file: expected 'devices:'$"):
        parse_devices("", "d.yaml")


def test_alias_bomb_and_bounds_are_refused() -> None:
    for booleans in ("1.1", "1.2"):  # refused from the composed tree, before any value is built
        with pytest.raises(ConfigError, match=r"^f.yaml:5: YAML aliases expand to more than 50000 values"):
            parse_yaml(bomb(), "f.yaml", booleans=booleans)  # type: ignore[arg-type]
    assert plain(load(bomb(4)), "f")["a3"][0][0][0] == ["x"] * 9  # 9**4 values: an ordinary use of aliases
    with pytest.raises(ConfigError, match=r"^f.yaml:1: recursive YAML alias"):
        parse_yaml("a: &a [*a]\n", "f.yaml", booleans="1.2")
    with pytest.raises(ConfigError, match=r"^f.yaml:1: file too large"):
        parse_yaml("#" + "x" * 1_000_001, "f.yaml", booleans="1.2")
    with pytest.raises(ConfigError, match=r"^f.yaml:1: YAML nested more than 100 levels deep$"):
        parse_yaml("[" * 150 + "]" * 150, "f.yaml", booleans="1.2")
    assert parse_yaml("[" * 99 + "]" * 99, "f.yaml", booleans="1.2") is not None


def test_ordinary_aliases_are_shared_not_copied() -> None:
    raw = load("a: &x {b: [1, 2]}\nc: *x\n")
    assert raw.value["a"] is raw.value["c"]  # type: ignore[index]
    assert plain(raw, "f") == {"a": {"b": [1, 2]}, "c": {"b": [1, 2]}}
