"""The built-in default scenario of ``minecore report`` (also shipped as ``examples/default.toml``).

A US operator whose Bitmain and MicroBT lots were held by customs weighs redeploying them against
replacements from makers outside the restrictions (Bitdeer, Auradine) and a China-origin Bitmain model
at its tariff. Every figure below is either a catalog/snapshot figure or an assumption stated in a
comment; override any of them in your own scenario file.
"""

DEFAULT_SCENARIO_TOML = """\
# minecore scenario: the built-in default of `minecore report`.
# Schema: docs/scenario.md. Every key is optional unless marked required there.
schema = 2

[scenario]
name = "US operator: customs-held Antminer S21 and Whatsminer M60S lots"
horizon_days = 1095               # 3 years, past the 2028 halving [days]
discount_rate_per_year = 0.10     # decimal per year
# the strategies compared for each lot (also: "replace_and_redeploy", "partial_replace")
strategies = ["wait_and_redeploy", "sell_on_release", "reexport_on_release", "replace_now",
              "replace_and_sell_on_release", "abandon"]

[site]
power_price_usd_per_kwh = 0.05    # [USD/kWh]
pue = 1.10                        # air-cooled site overhead
pool_fee = 0.02                   # FPPS-style pool fee (decimal)
availability = 0.97               # share of the time the machines are on

[network]
# No overrides: the shipped snapshot (minecore.economics, dated, sourced) is used as is.
difficulty_growth_per_month = 0.02   # +2 %/month [decimal/month]

[[seized]]
name = "S21 lot"
model = "Antminer S21"
units = 1000
days_held = 180
# Every price below is a scenario assumption: the catalog has no dated price for these models, and its notes
# say the undated listings are not used as default prices. price_source says where each one comes from.
price_usd = 2699                     # ASSUMPTION: resale base; not a catalog price
price_source = "undated asicmarketplace listing via github:kookoo55/miningftw (research/asic_models.json); the catalog does not use it as a default price"
holding_fee_usd_per_unit_day = 14.0  # >$200,000 for 200 units over ~70 days (research/seizure_context.md)
legal_costs_usd = 50000              # spent so far (assumption)
legal_costs_future_usd = 20000       # still to pay to get the lot back (assumption)

[[seized]]
name = "M60S lot"
model = "Whatsminer M60S"
units = 300
days_held = 120
price_usd = 6299                     # ASSUMPTION: resale base; not a catalog price
price_source = "undated secondary listing, unverified (research/asic_models.json); the catalog does not use it"
holding_fee_usd_per_unit_day = 14.0
legal_costs_usd = 15000
legal_costs_future_usd = 5000

# Replacement options. Without units or budget_usd each option is sized to match each lot's hashrate.
[[option]]
name = "Bitdeer A2"
model = "SEALMINER A2"
price_usd = 4250                     # ASSUMPTION: not a catalog price
price_source = "undated 228 TH listing, unverified (research/asic_models.json); the catalog does not use it"
origin_country = "Singapore"         # maker's home; the catalog has no country of assembly: set yours
lead_time_days = 45
freight_usd_per_unit = 40

[[option]]
name = "Auradine AH3880"
model = "Teraflux AH3880"
price_usd = 5400                     # ASSUMPTION: no public price exists
price_source = "no public price: the A2 listing's ~$18.8/TH x 288 TH"
lead_time_days = 60                  # US-assembled: no import duty
freight_usd_per_unit = 20

[[option]]
name = "S21 Pro (China)"
model = "Antminer S21 Pro"
price_usd = 4129                     # ASSUMPTION: not a catalog price
price_source = "undated asicmarketplace listing (245 TH bin) via github:kookoo55/miningftw (research/asic_models.json); the catalog does not use it as a default price"
origin_country = "China"             # China-origin units pay 47.6 % total duty from 2025-11-10 (tariff schedule)
lead_time_days = 30
freight_usd_per_unit = 40

[valuation]
# Resale and salvage: what a marginal buyer would pay (the present value of the machine's future margin at the
# buyer's costs and required return). These buyer figures are assumptions calibrated on dated market prices
# (docs/economics.md, "Valuing hardware"); set them to what buyers of your hardware pay, or give a resale quote.
buyer_power_price_usd_per_kwh = 0.04
buyer_required_return_per_year = 0.25
buyer_btc_price_growth_per_year = 0.30
selling_cost_fraction = 0.05              # broker, freight, testing (assumption)
liquidity_discount_per_1000_units = 0.02  # a block of 1,000 units sells 2 % below single units (assumption)

[tax]
# US federal corporate income tax, IRC 11(b) (21 % since TCJA, 2017); no state tax here: add yours.
# Hardware acquired and placed in service after 2025-01-19 gets 100 % bonus depreciation (Pub. L. 119-21, 2025).
federal_rate = 0.21
state_rate = 0.0
depreciation = "bonus"

[monte_carlo]
paths = 1000
seed = 2025
btc_volatility_per_year = 0.50       # GBM volatility (decimal per sqrt(year))
# difficulty: the trend above plus a monthly shock and an error correction toward the level hashprice supports,
# fitted on monthly BTC prices and difficulty 2016-2024 (minecore.economics.difficulty_model)
difficulty_growth_sd_per_month = 0.09
price_difficulty_correlation = 0.27
difficulty_adjustment_per_epoch = 0.025

[sensitivity]
power_price_usd_per_kwh = [0.03, 0.08]
btc_price_change = [-0.30, 0.30]          # decimal change from the snapshot BTC price
difficulty_growth_per_month = [0.0, 0.04]
hold_scale = [0.5, 2.0]                   # x every hold length of the release model
"""
