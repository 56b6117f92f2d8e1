"""Which training clips are held out: every 20th synthesised clip and
every 20th run of recorded words (both copies of it). train.py keeps them
out of training so that its held-out loss watches real voices too, and
tune decodes them to set the scales; both must agree on the rule."""
import os

EVERY = 20


def is_held_out_number(number):
    """Clip or run number NUMBER is in the held-out slice."""
    return number % EVERY == EVERY - 1


def is_held_out(name):
    """A clip name (s00019, k00019-0, with or without a directory and an
    extension) is in the held-out slice."""
    base = os.path.basename(name)
    return base[:1] in ("s", "k") and base[1:6].isdigit() and is_held_out_number(int(base[1:6]))
