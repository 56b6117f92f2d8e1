libamass_a_SOURCES += src/base/base.h src/base/status.c src/base/log.c src/base/alloc.c \
	src/base/buf.c src/base/utf8.c src/base/misc.c src/base/report.c
