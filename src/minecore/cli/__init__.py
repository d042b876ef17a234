"""The ``minecore`` command line."""
