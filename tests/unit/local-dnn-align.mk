# The forced aligner of the DNN's training targets (scripts/dnn/align.c)
# on goforward.raw and on words it must refuse.
check_PROGRAMS += tests/unit/test-dnn-align
TESTS += tests/unit/test-dnn-align
tests_unit_test_dnn_align_SOURCES = tests/unit/test-dnn-align.c tests/unit/speech-gmm-helpers.h \
	scripts/dnn/align.c scripts/dnn/align.h
tests_unit_test_dnn_align_LDADD = $(AMASS_LIBS)
