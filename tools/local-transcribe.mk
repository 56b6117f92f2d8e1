# amass-transcribe and its man page (the CLI cases are in
# tests/cli/transcribe.cases and skip when the Debian model or clips are absent).
bin_PROGRAMS += tools/amass-transcribe
tools_amass_transcribe_SOURCES = tools/amass-transcribe.c
tools_amass_transcribe_LDADD = $(AMASS_LIBS)
dist_man_MANS += man/amass-transcribe.1
