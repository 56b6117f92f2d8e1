# Unit tests of the k-means family (src/cluster).
check_PROGRAMS += tests/unit/test-cluster-kmeans tests/unit/test-cluster-minibatch tests/unit/test-cluster-metrics \
	tests/unit/test-cluster-stats
TESTS += tests/unit/test-cluster-kmeans tests/unit/test-cluster-minibatch tests/unit/test-cluster-metrics \
	tests/unit/test-cluster-stats
EXTRA_DIST += tests/unit/cluster-blobs.h
tests_unit_test_cluster_kmeans_SOURCES = tests/unit/test-cluster-kmeans.c tests/unit/cluster-blobs.h tests/unit/tap.h
tests_unit_test_cluster_kmeans_LDADD = $(AMASS_LIBS)
tests_unit_test_cluster_minibatch_SOURCES = tests/unit/test-cluster-minibatch.c tests/unit/cluster-blobs.h
tests_unit_test_cluster_minibatch_LDADD = $(AMASS_LIBS)
tests_unit_test_cluster_metrics_SOURCES = tests/unit/test-cluster-metrics.c tests/unit/cluster-blobs.h
tests_unit_test_cluster_metrics_LDADD = $(AMASS_LIBS)
tests_unit_test_cluster_stats_SOURCES = tests/unit/test-cluster-stats.c
tests_unit_test_cluster_stats_LDADD = $(AMASS_LIBS)
