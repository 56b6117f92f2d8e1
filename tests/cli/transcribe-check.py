#!/usr/bin/python3
# Checks amass-transcribe NDJSON on stdin: every record has input,
# duration, text and words; word times increase inside the duration,
# conf is in [0, 1], text is the words joined. argv: the expected inputs.
import json, sys

want = sys.argv[1:]
records = [json.loads(line) for line in sys.stdin]
assert [r["input"] for r in records] == want, ([r["input"] for r in records], want)
for r in records:
    assert set(r) == {"input", "duration", "text", "words"}, r.keys()
    assert r["duration"] > 0, r
    previous_end = 0
    for w in r["words"]:
        assert set(w) == {"word", "start", "end", "conf"}, w
        assert previous_end <= w["start"] <= w["end"] <= r["duration"], (w, r["duration"])
        assert 0 <= w["conf"] <= 1, w
        previous_end = w["end"]
    assert r["text"] == " ".join(w["word"] for w in r["words"]), r
print("ok")
