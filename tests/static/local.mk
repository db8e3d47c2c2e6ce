# Included from Makefile.am: checks that read the source.
if ENABLE_TESTS
TESTS += tests/static/test-no-shell tests/static/test-no-statics tests/static/test-no-archive-host tests/static/test-layers \
	tests/static/test-unit-keyring
endif
EXTRA_DIST += tests/static/test-no-shell tests/static/test-no-statics tests/static/test-no-archive-host tests/static/test-layers \
	tests/static/test-unit-keyring
