# libamass text layer: the BERT normalizer and WordPiece tokenizer
libamass_a_SOURCES += src/text/text.h src/text/text_internal.h src/text/unicode_tables.c src/text/normalize.c \
	src/text/vocab.c src/text/config.c src/text/tokenizer.c
EXTRA_DIST += src/text/make-unicode-tables
