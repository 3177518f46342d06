"""Named tolerances of the nn tests, defined once (import with ``from tolerances import ...``;
tests/nn/conftest.py puts this folder on sys.path)."""

# Values worked out by hand and written to ~12 significant digits.
HAND = 1e-9
# The same float64 computation done in another order (reassociated sums, torch's kernels).
ROUNDING = 1e-12
# One or two float operations away from the exact value.
ULPS = 1e-15
