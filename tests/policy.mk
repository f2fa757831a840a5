# unit tests for policy/ configuration, tables and outbound decisions.
EXTRA_DIST += tests/unit/policy_fixture.h tests/unit/policy-keys.sh
check_PROGRAMS += tests/unit/test_netlist
tests_unit_test_netlist_SOURCES = tests/unit/test_netlist.c
tests_unit_test_netlist_LDADD = $(POLICY_LIBS)
TESTS += tests/unit/test_netlist
check_PROGRAMS += tests/unit/test_config
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_LDADD = $(POLICY_LIBS)
TESTS += tests/unit/test_config
check_PROGRAMS += tests/unit/test_confman
tests_unit_test_confman_SOURCES = tests/unit/test_confman.c
tests_unit_test_confman_LDADD = $(POLICY_LIBS)
TESTS += tests/unit/test_confman
