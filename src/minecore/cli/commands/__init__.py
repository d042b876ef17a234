"""One module per ``minecore`` command: ``add_parser(subparsers)`` and ``run(args) -> int``."""
