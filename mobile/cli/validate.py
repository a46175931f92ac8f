"""Check flow files, devices.yaml files (with the scenarios they name) and simulator scenario files without
touching any device. Every problem of a file is listed as `file:line: message`; exit 2 if any file is bad."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from mobile.core.flow import parse_flow
from mobile.core.flow_yaml import parse_raw
from mobile.core.yaml_lines import parse_yaml
from mobile.errors import ConfigError, config_lines
from mobile.reach.devices import load_devices
from mobile.run.inputs import check_scenarios
from mobile.sim.scenario import TOP_KEYS, load_scenario

# top-level keys that say what a file is
_DEVICE_KEYS = frozenset({"devices", "groups", "grid"})
_FLOW_KEYS = frozenset({"steps", "targets", "apps", "locales"})


def add_parser(subparsers: Any) -> None:
    """Register `validate FILE...`."""
    parser = subparsers.add_parser("validate", help="validate flows, devices.yaml and scenarios (errors carry file:line)",
                                   description=__doc__)
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="flow, devices.yaml and/or simulator scenario .yaml files")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Check every file; print `ok  FILE` or `file:line: message`; exit 2 if any is invalid."""
    code = 0
    for name in args.files:
        try:
            validate_file(name)
        except ConfigError as exc:
            print("\n".join(config_lines(exc)))
            code = 2
        else:
            print(f"ok  {name}")
    return code


def validate_file(name: str) -> str:
    """Check one file; returns its kind ("flow", "devices" or "scenario"); ConfigError(s) when it is invalid."""
    if Path(name).is_dir():
        raise ConfigError("is a directory, not a YAML file", where=name)
    try:
        text = Path(name).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read file: {exc.strerror}", where=name) from None
    except UnicodeDecodeError:
        raise ConfigError("not a UTF-8 text file", where=name) from None
    raw = parse_yaml(text, name, booleans="1.2")  # only to tell the kind: each kind's loader then checks it
    if raw is None:
        raise ConfigError("the file is empty", where=f"{name}:1")
    keys = set(raw.value) if isinstance(raw.value, dict) else set()
    if keys & _DEVICE_KEYS and not keys & _FLOW_KEYS:
        load_devices(name, extra_check=check_scenarios)
        return "devices"
    if keys & _FLOW_KEYS:
        parse_flow(text, name)
        return "flow"
    if keys & (TOP_KEYS - {"name", "description"}) and keys <= TOP_KEYS:
        load_scenario(name if name.endswith((".yaml", ".yml")) or "/" in name else f"./{name}")
        return "scenario"
    parse_raw(text, name)  # a repeated or non-string key first: it may be why the kind is unclear
    raise ConfigError("neither a flow file (steps, targets, ...), a devices file (devices, groups, ...) nor a "
                      "scenario (state, vars, latency, ...)", where=f"{name}:{raw.line}")

