"""Hypothesis settings of the monotonicity property tests.

Two profiles, chosen with the environment variable TIER_MONOTONICITY_PROFILE:

- `ci` (the default, what `make test` runs): 150 random programs, 5 partner pairs each;
  150 partner pairs per shipped program. About 25 s for tests/monotonicity on 2 cores.
- `thorough`: 2,000 random programs with 20 pairs each, 3,000 pairs per shipped program
  (about 10 minutes); run it after changing `passes/polarity.py` or
  `passes/monotonicity.py`: TIER_MONOTONICITY_PROFILE=thorough pytest tests/monotonicity

The counts are documented in docs/monotonicity.md; keep both in step.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

PROFILE = os.environ.get("TIER_MONOTONICITY_PROFILE", "ci")

#: (random programs, partner pairs per random program, partner pairs per shipped program)
COUNTS = {"ci": (150, 5, 150), "thorough": (2000, 20, 3000)}[PROFILE]
RANDOM_PROGRAMS, PAIRS_PER_PROGRAM, SHIPPED_PAIRS = COUNTS

#: Witness search budget for random programs (`tier check` uses 500): past 200 the search
#: confirms few more findings and the unconfirmed ones spend it all.
RANDOM_BUDGET = 200

_common = dict(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
RANDOM = settings(max_examples=RANDOM_PROGRAMS, **_common)
SHIPPED = settings(max_examples=SHIPPED_PAIRS, **_common)
