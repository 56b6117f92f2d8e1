# Training the DNN acoustic model (scripts/train-dnn-am): the teacher-target
# dumper is built by `make` so it always compiles with the library, but it
# is neither a test nor installed.
noinst_PROGRAMS += scripts/dnn/dump-targets
scripts_dnn_dump_targets_SOURCES = scripts/dnn/dump-targets.c
scripts_dnn_dump_targets_LDADD = $(AMASS_LIBS)
