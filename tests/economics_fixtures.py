"""The small, hand-checkable economics world the economics tests share (one copy, imported by each test file).

A network frozen on the shipped snapshot's date (difficulty 152 T, BTC $91,000, 0.03 BTC fees, height 924,300),
the same network with no difficulty growth, two machines and a site without overheads, so that revenue, power and
margins can be worked by hand.
"""

from minecore.economics import MachineSpec, NetworkProjection, NetworkSnapshot, OperatingCosts, Valuation

SNAP = NetworkSnapshot(date="2025-11-25", difficulty=152e12, btc_price_usd=91_000, fees_btc_per_block=0.03,
                       block_height=924_300)
FLAT = NetworkProjection(SNAP, difficulty_growth_per_month=0.0)
S21 = MachineSpec("S21", 200, 3500, price_usd=3000, origin_country="Thailand")
US = MachineSpec("US-1", 260, 4400, price_usd=5000, origin_country="United States")
SITE = OperatingCosts(power_price_usd_per_kwh=0.05, pue=1.0, pool_fee=0.0, availability=1.0)
NO_RESALE = Valuation(kind="calendar", start_fraction=0.0)  #: units fetch nothing when sold
