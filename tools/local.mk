bin_PROGRAMS += tools/amass-cluster
tools_amass_cluster_SOURCES = tools/amass-cluster.c
tools_amass_cluster_LDADD = $(AMASS_LIBS)
