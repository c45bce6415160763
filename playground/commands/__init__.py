"""Extra CLI commands: each module here defines `register(subparsers)` (see playground/cli.py)."""
