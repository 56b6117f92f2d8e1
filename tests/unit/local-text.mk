# The text layer's tokenizer against transformers.js fixtures.
check_PROGRAMS += tests/unit/test-text-tokenizer
TESTS += tests/unit/test-text-tokenizer
tests_unit_test_text_tokenizer_SOURCES = tests/unit/test-text-tokenizer.c tests/unit/tap.h
tests_unit_test_text_tokenizer_LDADD = $(AMASS_LIBS)
EXTRA_DIST += tests/unit/text-tokenizer/make-fixtures.mjs tests/unit/text-tokenizer/cases.ndjson \
	tests/unit/text-tokenizer/vocab.txt tests/unit/text-tokenizer/uncased/tokenizer.json \
	tests/unit/text-tokenizer/cased/tokenizer.json tests/unit/text-tokenizer/keep-accents/tokenizer.json \
	tests/unit/text-tokenizer/raw/tokenizer.json
# The text embed pipeline over a fake network.
check_PROGRAMS += tests/unit/test-embed-text
TESTS += tests/unit/test-embed-text
tests_unit_test_embed_text_SOURCES = tests/unit/test-embed-text.c tests/unit/tap.h
tests_unit_test_embed_text_LDADD = $(AMASS_LIBS)
EXTRA_DIST += tests/cli/embed.cases
