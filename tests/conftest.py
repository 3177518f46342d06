"""Hypothesis profiles: ``ci`` (derandomized, no deadline) is loaded when ``CI`` is set,
``dev`` otherwise; ``CHAINGRAD_HYPOTHESIS_PROFILE=thorough`` runs many more examples."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None, max_examples=60)
settings.register_profile("thorough", deadline=None, max_examples=2000)
_default = "ci" if os.environ.get("CI") else "dev"
settings.load_profile(os.environ.get("CHAINGRAD_HYPOTHESIS_PROFILE") or _default)
