libamass_a_SOURCES += src/cluster/cluster.h
