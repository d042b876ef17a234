"""The built-in default scenario of ``minecore report`` (also shipped as ``examples/default.toml``).

A US operator whose Bitmain and MicroBT lots were held by customs weighs redeploying them against
replacements from makers outside the restrictions (Bitdeer, Auradine) and a China-origin Bitmain model
at its tariff. Every figure below is either a catalog/snapshot figure or an assumption stated in a
comment; override any of them in your own scenario file.
"""

def _default_text() -> str:
    from importlib import resources

    return resources.files("minecore.reports").joinpath("examples/default.toml").read_text(encoding="utf-8")


#: the text of ``examples/default.toml`` (one file: the checkout's ``examples/`` is the packaged folder)
DEFAULT_SCENARIO_TOML = _default_text()
