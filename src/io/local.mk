libamass_a_SOURCES += src/io/io.h src/io/io_internal.h src/io/lines.c src/io/output.c src/io/json.c \
	src/io/writer.c src/io/number.c src/io/vectors.c src/io/inputs.c src/io/shard.c src/io/name_set.c src/io/resume.c
# Subtitle cue times and cue splitting (amass-transcribe -f srt|vtt)
libamass_a_SOURCES += src/io/subtitle.h src/io/subtitle.c
