# libamass media layer: FFmpeg/libsndfile decode -> float tensors
