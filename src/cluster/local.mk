libamass_a_SOURCES += src/cluster/cluster.h
libamass_a_SOURCES += src/cluster/job.c src/cluster/vector_stream.c src/cluster/centroid_file.c \
	src/cluster/run_kmeans.c src/cluster/run_minibatch.c src/cluster/run_stats.c
libamass_a_SOURCES += src/cluster/internal.h src/cluster/rng.c src/cluster/distances.c src/cluster/seed.c \
	src/cluster/kmeans.c src/cluster/lloyd.c src/cluster/hamerly.c src/cluster/assign.c src/cluster/minibatch.c \
	src/cluster/silhouette.c src/cluster/choose_k.c src/cluster/stats.c src/cluster/metrics.c
