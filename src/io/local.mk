libamass_a_SOURCES += src/io/io.h
