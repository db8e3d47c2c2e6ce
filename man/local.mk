# Included from Makefile.am: the manual pages, plain roff, installed and distributed as they are.
dist_man_MANS = \
	man/kdump-settled.8 \
	man/kdump-settlectl.8 \
	man/kdump-settle.conf.5
