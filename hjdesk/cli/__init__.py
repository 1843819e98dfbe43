"""The `hjdesk` command line: one module per command family; `main` is the entry point."""

from hjdesk.cli.entry import build_parser, gui_main, main

__all__ = ["build_parser", "gui_main", "main"]
