bin_PROGRAMS += tools/amass-cluster
tools_amass_cluster_SOURCES = tools/amass-cluster.c
tools_amass_cluster_LDADD = $(AMASS_LIBS)
bin_PROGRAMS += tools/amass-classify
tools_amass_classify_SOURCES = tools/amass-classify.c
tools_amass_classify_LDADD = $(AMASS_LIBS)
include tools/local-transcribe.mk
bin_PROGRAMS += tools/amass-embed
tools_amass_embed_SOURCES = tools/amass-embed.c
tools_amass_embed_LDADD = $(AMASS_LIBS)
