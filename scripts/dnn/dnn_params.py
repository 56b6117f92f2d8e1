"""The -context line of a DNN model's dnn.params (src/speech/dnn.c reads
the whole file), for the scripts that must know a network's window."""
import os


def read_context(path):
    """(left, right) of the -context L,R line of the dnn.params at path."""
    with open(path) as f:
        for line in f:
            fields = line.split("#", 1)[0].split()
            if len(fields) == 2 and fields[0] == "-context":
                try:
                    left, right = (int(part) for part in fields[1].split(","))
                except ValueError:
                    break
                if left >= 0 and right >= 0:
                    return left, right
                break
    raise SystemExit("%s: no -context L,R line" % path)


def context_beside(network):
    """The window of the network at path network, from the dnn.params beside it."""
    return read_context(os.path.join(os.path.dirname(os.path.abspath(network)), "dnn.params"))
