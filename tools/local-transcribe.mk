# amass-transcribe, its man page and its CLI helpers. Included from
# tools/local.mk once the search (src/speech/search.h: lexicon, decoder)
# is in the library; until then the tool cannot link and
# tests/cli/transcribe.cases skip (no amass-transcribe on PATH).
bin_PROGRAMS += tools/amass-transcribe
tools_amass_transcribe_SOURCES = tools/amass-transcribe.c
tools_amass_transcribe_LDADD = $(AMASS_LIBS)
dist_man_MANS += man/amass-transcribe.1
