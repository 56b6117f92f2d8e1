"""The files scripts/dnn/dump-targets writes (its header comment has the
layout): "AMDT0001", int32 feature_dim, top_k, n_senones, float32 S,
then per clip its name, frame count, features, senone ids and weights."""
import struct

MAGIC = b"AMDT0001"
HEADER = 24


def read_header(data, path):
    """(feature_dim, top_k, n_senones) of a whole file's bytes."""
    if data[:8] != MAGIC:
        raise SystemExit("%s: not a dump-targets file" % path)
    return struct.unpack_from("<3i", data, 8)


def records(data, path):
    """(name, frames, offset of its features) of each clip, in order;
    the ids (uint16) and weights (float32), frames x top_k each, follow
    the frames x feature_dim float32 features."""
    dim, top, _ = read_header(data, path)
    offset = HEADER
    while offset < len(data):
        (length,) = struct.unpack_from("<i", data, offset)
        name = data[offset + 4:offset + 4 + length].decode()
        (frames,) = struct.unpack_from("<i", data, offset + 4 + length)
        offset += 8 + length
        yield name, frames, offset
        offset += frames * (4 * dim + 6 * top)
