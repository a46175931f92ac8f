"""The `linkedin-optout` command line: `main.py` parses, one module per command."""
from mobile.cli.main import main

__all__ = ["main"]
