# Included from Makefile.am.
