# Included from Makefile.am: checks of the set-up scripts (.ci/deps, .ci/host-archive) and of the
# summing of the suite's own scripts (tests/run-all --all, tests/e2e/check) over stubbed runs, and
# the e2e harness's check of one request over made-up guest records (test-e2e-request).
if ENABLE_TESTS
TESTS += tests/setup/test-deps tests/setup/test-host-archive tests/setup/test-summaries tests/setup/test-e2e-request
endif
EXTRA_DIST += tests/setup/test-deps tests/setup/test-host-archive tests/setup/test-summaries \
	tests/setup/test-e2e-request .ci/deps \
	.ci/host-archive .ci/run tests/run-all
