# libamass speech layer: the Sphinx front end (MFCC, CMN, dynamic features)
libamass_a_SOURCES += src/speech/speech.h src/speech/speech_internal.h src/speech/option_file.c src/speech/feat_params.c src/speech/frames.c src/speech/mfcc.c \
	src/speech/features.c src/speech/noise.c
# Contracts between the acoustic scorers, the search and the transcribe pipeline
libamass_a_SOURCES += src/speech/acoustic.h src/speech/search.h
# Voice-activity segmentation of long recordings into utterances (amass-transcribe)
libamass_a_SOURCES += src/speech/vad.h src/speech/vad.c
# Acoustic models and the GMM scorer (Sphinx continuous, semi-continuous and PTM)
libamass_a_SOURCES += src/speech/acoustic_internal.h src/speech/acoustic.c src/speech/gmm_internal.h src/speech/gmm.c \
	src/speech/gmm_score.c
# Large-vocabulary search: the lexicon tree and the Viterbi beam search
libamass_a_SOURCES += src/speech/search_internal.h src/speech/lexicon.c src/speech/search.c src/speech/search_finish.c \
	src/speech/search_posterior.c src/speech/search_bestpath.c
# The DNN acoustic scorer (hybrid DNN-HMM: a network on the engine over spliced frames)
libamass_a_SOURCES += src/speech/dnn.c
