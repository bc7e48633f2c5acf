"""Shared test configuration.

Hypothesis profiles (choose with HYPOTHESIS_PROFILE=...):
- `default`: what `make test` runs; the engine property tests finish in well under a minute.
- `thorough`: ten times the examples, for a deeper search before a release.
- `ci`: like default, but derandomized so CI runs are reproducible.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_common = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("default", max_examples=60, **_common)
settings.register_profile("thorough", max_examples=600, **_common)
settings.register_profile("ci", max_examples=60, derandomize=True, **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
