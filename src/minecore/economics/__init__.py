"""Mining economics: network model, machine cash flows, seized-versus-replacement decision, Monte Carlo, fleets.

Pure Python + numpy; numba is imported only when a Monte Carlo run asks for the numba engine.
See ``docs/readme/economics.md`` for a tour.
"""
