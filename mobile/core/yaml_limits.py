"""Bounds on every YAML file the tool reads: size and alias expansion (pure: no I/O).

PyYAML composes an alias as a second reference to the same node, so a small file ("billion laughs")
can stand for billions of nodes: anything that walks the tree (line-keeping loaders, constructors,
checks) then runs for minutes and eats gigabytes. `check_text` refuses oversized text before parsing;
`check_tree` counts the nodes the composed tree stands for, shared nodes counted each time they are
reached, and refuses it past `MAX_NODES`, nested past `MAX_DEPTH` (the loader walks the tree recursively)
or when an alias makes it recursive, in linear time.
"""

from __future__ import annotations

import yaml

from mobile.errors import ConfigError

MAX_BYTES = 1_000_000  # no flow, devices.yaml or scenario comes near this
MAX_NODES = 50_000  # the shipped flow expands to a few thousand nodes
MAX_ALIASES = 1_000
MAX_DEPTH = 100  # mappings and lists inside each other; the simulated phone's screens nest 15 deep
# libyaml's parser when PyYAML has it (10x faster on the simulated phone's screen files), else pure Python
BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def check_text(text: str, source: str) -> None:
    """Refuse text too large to be one of our files."""
    if len(text) > MAX_BYTES:
        raise ConfigError(f"file too large ({len(text)} characters; the limit is {MAX_BYTES})", where=f"{source}:1")


def check_tree(root: yaml.Node | None, source: str) -> None:
    """Refuse a composed tree whose aliases expand past MAX_NODES nodes, that nests deeper than MAX_DEPTH,
    or that an alias makes recursive."""
    if root is None:
        return
    measured: dict[int, tuple[int, int]] = {}  # id(node) -> (nodes it stands for, levels it nests)
    aliases = 0
    # iterative post-order walk over distinct nodes: a node is pushed, then pushed again with its children
    # once they are on the stack; a shared node is measured once
    stack: list[tuple[yaml.Node, list[yaml.Node] | None]] = [(root, None)]
    open_nodes: set[int] = set()
    while stack:
        node, children = stack.pop()
        key = id(node)
        if children is not None:
            open_nodes.discard(key)
            total, levels = 1, 0
            for child in children:
                size, depth = measured[id(child)]
                total += size
                levels = max(levels, depth)
            measured[key] = (total, levels + 1)
            if total > MAX_NODES:
                raise _too_big(node, source)
            if levels + 1 > MAX_DEPTH:
                raise ConfigError(f"YAML nested more than {MAX_DEPTH} levels deep", where=_where(node, source))
            continue
        if key in measured:
            aliases += 1
            if aliases > MAX_ALIASES:
                raise ConfigError(f"more than {MAX_ALIASES} YAML aliases", where=_where(node, source))
            continue
        if key in open_nodes:
            raise ConfigError("recursive YAML alias (a node contains itself)", where=_where(node, source))
        if isinstance(node, yaml.ScalarNode):
            measured[key] = (1, 1)
            continue
        open_nodes.add(key)
        children = _children(node)
        stack.append((node, children))
        for child in children:
            if id(child) in open_nodes:
                raise ConfigError("recursive YAML alias (a node contains itself)", where=_where(child, source))
            stack.append((child, None))


def syntax_error(text: str, source: str, exc: yaml.YAMLError) -> ConfigError:
    """A YAML syntax error at `source:line`, worded as PyYAML's Python parser words it (libyaml's wording
    differs); parsing events only, so this stays linear even for a hostile file."""
    try:
        for _ in yaml.parse(text, Loader=yaml.SafeLoader):
            pass
    except yaml.YAMLError as python_exc:
        exc = python_exc
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None) or str(exc)
    return ConfigError(f"invalid YAML: {problem}", where=f"{source}:{mark.line + 1 if mark else 1}")


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _where(node: yaml.Node, source: str) -> str:
    return f"{source}:{node.start_mark.line + 1}"


def _too_big(node: yaml.Node, source: str) -> ConfigError:
    return ConfigError(f"YAML aliases expand to more than {MAX_NODES} values (an alias bomb?)",
                       where=_where(node, source))
