# Included from Makefile.am: the Debian and RPM packaging, and their check (not part of make check:
# it builds both packages and runs the README's install lines in a fresh root, about four minutes
# with the ppc64el chroot kept from an earlier run, two more without; needs `.ci/deps pkg` and root).
EXTRA_DIST += \
	debian/changelog debian/control debian/copyright debian/rules debian/source/format \
	debian/postinst debian/prerm debian/postrm \
	kdump-settle.spec \
	tests/pkg/check tests/pkg/make-dist tests/pkg/build-deb-ppc64el tests/pkg/readme-install

check-pkg: dist
	$(top_srcdir)/tests/pkg/check --tarball=$(PACKAGE)-$(VERSION).tar.gz
.PHONY: check-pkg
