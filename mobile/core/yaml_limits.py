"""Bounds on every YAML file the tool reads: size and alias expansion (pure: no I/O).

PyYAML composes an alias as a second reference to the same node, so a small file ("billion laughs")
can stand for billions of nodes: anything that walks the tree (line-keeping loaders, constructors,
checks) then runs for minutes and eats gigabytes. `check_text` refuses oversized text before parsing;
`check_tree` counts the nodes the composed tree stands for, shared nodes counted each time they are
reached, and refuses it past `MAX_NODES` (or when an alias makes it recursive) in linear time.
"""

from __future__ import annotations

import yaml

from mobile.errors import ConfigError

MAX_BYTES = 1_000_000  # no flow, devices.yaml or scenario comes near this
MAX_NODES = 50_000  # the shipped flow expands to a few thousand nodes
MAX_ALIASES = 1_000
# libyaml's parser when PyYAML has it (10x faster on the simulated phone's screen files), else pure Python
BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def check_text(text: str, source: str) -> None:
    """Refuse text too large to be one of our files."""
    if len(text) > MAX_BYTES:
        raise ConfigError(f"file too large ({len(text)} characters; the limit is {MAX_BYTES})", where=f"{source}:1")


def check_tree(root: yaml.Node | None, source: str) -> None:
    """Refuse a composed tree whose aliases expand past MAX_NODES nodes, or make it recursive."""
    if root is None:
        return
    sizes: dict[int, int] = {}
    aliases = 0
    # iterative post-order walk over distinct nodes; a shared node's size is computed once
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    open_nodes: set[int] = set()
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = _children(node)
        if done:
            open_nodes.discard(key)
            total = 1 + sum(sizes[id(child)] for child in children)
            sizes[key] = total
            if total > MAX_NODES:
                raise _too_big(node, source)
            continue
        if key in sizes:
            aliases += 1
            if aliases > MAX_ALIASES:
                raise ConfigError(f"more than {MAX_ALIASES} YAML aliases", where=_where(node, source))
            continue
        if key in open_nodes:
            raise ConfigError("recursive YAML alias (a node contains itself)", where=_where(node, source))
        open_nodes.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in open_nodes:
                raise ConfigError("recursive YAML alias (a node contains itself)", where=_where(child, source))
            stack.append((child, False))


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
