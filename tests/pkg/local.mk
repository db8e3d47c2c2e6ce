# Included from Makefile.am: the Debian and RPM packaging, and their check (not part of make check:
# it builds both packages, about two minutes; needs `.ci/deps pkg`, and root for its dpkg --root part).
EXTRA_DIST += \
	debian/changelog debian/control debian/copyright debian/rules debian/source/format \
	debian/postinst debian/prerm debian/postrm \
	kdump-settle.spec \
	tests/pkg/check tests/pkg/make-dist tests/pkg/build-deb-ppc64el

check-pkg: dist
	$(top_srcdir)/tests/pkg/check --tarball=$(PACKAGE)-$(VERSION).tar.gz
.PHONY: check-pkg
