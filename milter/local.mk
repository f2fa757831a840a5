# milter/ - the daemon; the only directory that includes libmilter.
sbin_PROGRAMS += kyso-milter
kyso_milter_SOURCES = \
	milter/main.c \
	milter/daemon.c \
	milter/notify.c \
	milter/snapshot.c \
	milter/callbacks.c \
	milter/gather.c \
	milter/apply.c \
	milter/offline.c \
	milter/log.c \
	milter/watch.c
kyso_milter_CFLAGS = $(AM_CFLAGS) $(MILTER_CFLAGS)
kyso_milter_LDADD = libkyso_policy.a $(SMIME_LIBS) $(MILTER_LIBS)
EXTRA_DIST += milter/kyso_milter.h milter/gather.h milter/apply.h
man_MANS += man/gen/kyso-milter.8
EXTRA_DIST += man/kyso-milter.8
EXTRA_DIST += contrib/kyso-milter.service
# the packaged layout: sample configuration and tables, Debian packaging
EXTRA_DIST += contrib/etc/kyso-milter.conf contrib/etc/signing.table \
	contrib/etc/certificate.table \
	debian/changelog debian/control debian/copyright debian/rules \
	debian/source/format debian/kyso-milter.service \
	debian/kyso-milter.install debian/kyso-milter.docs \
	debian/kyso-milter.dirs debian/kyso-milter.tmpfile \
	debian/kyso-milter.logrotate debian/postinst debian/prerm debian/postrm
