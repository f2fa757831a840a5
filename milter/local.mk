# milter/ - the daemon; the only directory that includes libmilter.
sbin_PROGRAMS += kyso-milter
kyso_milter_SOURCES = milter/main.c
kyso_milter_CFLAGS = $(AM_CFLAGS) $(MILTER_CFLAGS)
kyso_milter_LDADD = libkyso_policy.a $(SMIME_LIBS) $(MILTER_LIBS)
