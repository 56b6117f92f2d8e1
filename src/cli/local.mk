libamass_a_SOURCES += src/cli/cli.h src/cli/options.c src/cli/session.c src/cli/progress.h src/cli/progress.c
libamass_a_SOURCES += src/cli/models.c
