# tests/ - what every test shares, and the whole-tree checks: layering,
# banned functions, formatting. Unit tests per layer: tests/smime.mk,
# tests/policy.mk, tests/milter.mk; integration tests (tests/integration,
# real Postfix) run from tests/run-all.sh.
EXTRA_DIST += tests/unit/harness.h tests/tap.sh tests/ports.sh
TESTS += tests/check-layering.sh tests/check-banned.sh tests/check-format.sh
EXTRA_DIST += tests/check-layering.sh tests/check-banned.sh tests/check-format.sh
