#!/usr/bin/python3
# Teacher-student training of the DNN acoustic model (scripts/train-dnn-am
# runs it): an MLP over a window of spliced 1s_c_d_dd frames learns the en-us GMM's
# senone posteriors that scripts/dnn/dump-targets wrote. Writes dnn.onnx,
# priors, dnn.params and training.json (the loss curve) into --output.
#
#   train.py --output DIR --work DIR [--epochs N] [--minutes M] [--init DNN.onnx]
#            [--learning-rate R] [--cosine] [--hidden N] [--layers N]
#            [--bottleneck N] [--context L,R] [--bf16] TARGETS.bin...
#
# --minutes bounds the training time: no epoch starts that would end after
# it (the machine it was trained on had two cores shared by others).
# --cosine lowers the learning rate along a half cosine over those minutes
# (to 5 % of it), which ends a time-bounded run at a small step; it is then
# the whole schedule (without it the rate halves whenever the held-out loss
# stops improving). The held-out loss is noisy from epoch to epoch, and
# halvings on top of the cosine had cut a fine-tuning run (--init) to 5 %
# of its rate within 25 of its 65 minutes. SIGINT or SIGTERM ends the run
# after the epoch under way and writes the best epoch's model as usual.
# --context L,R widens the window (default 5,5). With --init from a
# narrower network (its window from the dnn.params beside it), the frames
# it lacked enter the first layer with zero weights: it starts as the
# network it was and learns what they add.
# --bf16 runs the products in bfloat16 with float32 weights (torch.autocast): about 2.8x the frames a second on
# a CPU with AVX512-BF16, so a wider network fits the same time. dnn.onnx
# keeps its matrices as float16 (half_weights.py), computed in float32.
#
# Every 20th synthesised clip (s...19, s...39, ...) is held out: its frame
# loss picks the epoch kept (early stopping); scripts/dnn/tune decodes the
# same clips.
import argparse
import json
import math
import os
import signal
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import numpy_helper

from dnn_params import context_beside  # beside this script
from half_weights import store_weights_as_half  # beside this script
from held_out import is_held_out  # beside this script
import targets_file  # beside this script

CONTEXT = (5, 5)  # frames left and right of the one scored
HIDDEN = 512
LAYERS = 4
BOTTLENECK = 160  # a linear layer before the 5126 outputs keeps dnn.onnx small and training fast
BATCH = 1024
# An "epoch" is this many frames drawn at random without replacement (a
# fresh order each pass over the data): neighbouring frames are nearly the
# same, so a few hundred thousand are enough between held-out checks, and
# the checks then come often enough for early stopping within a time budget.
EPOCH_FRAMES = 300000


def log(message):
    print("train.py: " + message, file=sys.stderr, flush=True)


def read_targets(path):
    data = open(path, "rb").read()
    dim, top, n_senones = targets_file.read_header(data, path)
    records = []
    for name, n, offset in targets_file.records(data, path):
        features = np.frombuffer(data, np.float32, n * dim, offset).reshape(n, dim)
        offset += 4 * n * dim
        ids = np.frombuffer(data, np.uint16, n * top, offset).reshape(n, top)
        offset += 2 * n * top
        weights = np.frombuffer(data, np.float32, n * top, offset).reshape(n, top)
        records.append((name, features, ids, weights))
    return dim, top, n_senones, records


class Set:
    """Frames of many utterances with, for each, its window's row indices."""

    def __init__(self, records, context):
        left, right = context
        self.features = torch.from_numpy(np.concatenate([r[1] for r in records]))
        self.ids = torch.from_numpy(np.concatenate([r[2] for r in records]).astype(np.int64))
        self.weights = torch.from_numpy(np.concatenate([r[3] for r in records]))
        starts, ends = [], []
        first = 0
        for r in records:
            n = r[1].shape[0]
            starts.append(np.full(n, first))
            ends.append(np.full(n, first + n - 1))
            first += n
        start, end = np.concatenate(starts), np.concatenate(ends)
        frames = np.arange(first)
        # The window clamps to the utterance as src/speech/dnn.c does.
        self.windows = torch.from_numpy(np.stack([np.clip(frames + k, start, end) for k in range(-left, right + 1)],
                                                 axis=1))
        self.n = first

    def batch(self, rows):
        x = self.features[self.windows[rows]].reshape(len(rows), -1)
        return x, self.ids[rows], self.weights[rows]


class Mlp(nn.Module):
    def __init__(self, mean, scale, input_width, n_senones, hidden, layers, bottleneck):
        super().__init__()
        # Input normalisation travels inside the network (Sub, Mul) so the
        # scorer feeds it raw features.
        self.register_buffer("mean", mean)
        self.register_buffer("scale", scale)
        stack = []
        for layer in range(layers):
            stack += [nn.Linear(input_width if layer == 0 else hidden, hidden), nn.ReLU()]
        self.layers = nn.Sequential(*stack, nn.Linear(hidden, bottleneck), nn.Linear(bottleneck, n_senones))

    def forward(self, x):
        return self.layers((x - self.mean) * self.scale)


def widen_window(weights, dim, old_context, context):
    """weights of a network over the window old_context, made to take
    context's: zero first-layer weights for the frames it lacks, its
    normalisation of one frame repeated (every frame is the same feature
    stream)."""
    first = weights["layers.0.weight"]
    old_frames, frames = sum(old_context) + 1, sum(context) + 1
    if first.shape[1] != old_frames * dim:
        raise SystemExit("train.py: --init's input width %d is not -context %d,%d of %d-float frames"
                         % (first.shape[1], *old_context, dim))
    if old_context[0] > context[0] or old_context[1] > context[1]:
        raise SystemExit("train.py: --init's window -context %d,%d does not fit --context %d,%d"
                         % (*old_context, *context))
    if old_context == context:
        return weights
    left = context[0] - old_context[0]
    wide = torch.zeros(first.shape[0], frames * dim)
    wide[:, left * dim:(left + old_frames) * dim] = first
    log("widened --init's window from %d to %d frames" % (old_frames, frames))
    return dict(weights, **{"layers.0.weight": wide, "mean": weights["mean"][:dim].repeat(frames),
                            "scale": weights["scale"][:dim].repeat(frames)})


def parse_context(text):
    try:
        left, right = (int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError("not two frame counts L,R: " + text)
    if not (0 <= left <= 50 and 0 <= right <= 50):  # src/speech/dnn.c's bound
        raise argparse.ArgumentTypeError("frame counts must be 0..50: " + text)
    return left, right


def soft_cross_entropy(logits, ids, weights):
    log_posteriors = torch.log_softmax(logits, dim=1)
    return -(log_posteriors.gather(1, ids) * weights).sum(dim=1).mean()


def evaluate(model, data):
    model.eval()
    total, agree = 0.0, 0
    with torch.no_grad():
        for first in range(0, data.n, 4096):
            rows = torch.arange(first, min(first + 4096, data.n))
            x, ids, weights = data.batch(rows)
            logits = model(x)
            total += soft_cross_entropy(logits, ids, weights).item() * len(rows)
            agree += (logits.argmax(dim=1) == ids[:, 0]).sum().item()
    model.train()
    return total / data.n, agree / data.n


def main():
    parser = argparse.ArgumentParser(prog="train.py")
    parser.add_argument("--output", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--minutes", type=float, default=40, help="stop starting epochs after this long")
    parser.add_argument("--init", help="start from this dnn.onnx (a model train.py wrote, same layers)")
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--cosine", action="store_true", help="learning rate along a half cosine over --minutes")
    parser.add_argument("--hidden", type=int, default=HIDDEN)
    parser.add_argument("--layers", type=int, default=LAYERS)
    parser.add_argument("--bottleneck", type=int, default=BOTTLENECK)
    parser.add_argument("--context", type=parse_context, default=CONTEXT, help="frames of context L,R (default 5,5)")
    parser.add_argument("--bf16", action="store_true", help="bfloat16 products, float32 weights")
    parser.add_argument("targets", nargs="+")
    args = parser.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(8)
    records = []
    for path in args.targets:
        dim, top, n_senones, part = read_targets(path)
        records += part
    train_records = [r for r in records if not is_held_out(r[0])]
    held_records = [r for r in records if is_held_out(r[0])]
    train, held = Set(train_records, args.context), Set(held_records, args.context)
    log("%d training frames (%.2f h) in %d clips, %d held-out frames in %d clips"
        % (train.n, train.n / 360000, len(train_records), held.n, len(held_records)))

    # Priors: the teacher's average posterior over the training frames.
    priors = torch.zeros(n_senones, dtype=torch.float64)
    priors.index_add_(0, train.ids.reshape(-1), train.weights.reshape(-1).double())
    priors /= priors.sum()

    mean = train.features.mean(dim=0)
    std = train.features.std(dim=0)
    frames = sum(args.context) + 1
    width = dim * frames
    model = Mlp(mean.repeat(frames), (1 / (std + 1e-3)).repeat(frames), width, n_senones,
                args.hidden, args.layers, args.bottleneck)
    if args.init:
        # The ONNX export keeps the state dict's names for its initializers
        # (float16 ones under name + "_half", widened by a Cast).
        weights = {i.name.removesuffix("_half"): torch.from_numpy(numpy_helper.to_array(i).astype(np.float32))
                   for i in onnx.load(args.init).graph.initializer}
        model.load_state_dict(widen_window(weights, dim, context_beside(args.init), args.context), strict=True)
        log("started from " + args.init)
    optimiser = torch.optim.Adam(model.parameters(), lr=args.learning_rate)
    history = []
    best_loss, best_state = float("inf"), None
    started = time.time()
    loss, accuracy = evaluate(model, held)
    history.append({"epoch": 0, "held_out_loss": loss, "held_out_top1_agreement": accuracy})
    log("epoch 0: held-out loss %.4f, top-1 agreement %.3f" % (loss, accuracy))
    order, position, epoch_minutes = torch.randperm(train.n), 0, 0.0
    base_rate = args.learning_rate  # without --cosine, halved when the held-out loss stops improving
    stop = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda number, frame: stop.append(number))
    for epoch in range(1, args.epochs + 1):
        if (time.time() - started) / 60 + epoch_minutes > args.minutes:
            log("time budget spent: stopping before epoch %d" % epoch)
            break
        if stop:
            log("signal %d: stopping before epoch %d" % (stop[0], epoch))
            break
        epoch_started = time.time()
        running, batches = 0.0, 0
        size = min(BATCH, train.n)
        for _ in range(EPOCH_FRAMES // size):
            if position + size > train.n:
                order, position = torch.randperm(train.n), 0
            x, ids, weights = train.batch(order[position:position + size])
            position += size
            rate = base_rate
            if args.cosine:
                done = min(1.0, (time.time() - started) / 60 / args.minutes)
                rate *= 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * done))
            for group in optimiser.param_groups:
                group["lr"] = rate
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
                logits = model(x)
            batch_loss = soft_cross_entropy(logits.float(), ids, weights)
            optimiser.zero_grad()
            batch_loss.backward()
            optimiser.step()
            running += batch_loss.item()
            batches += 1
        loss, accuracy = evaluate(model, held)
        epoch_minutes = (time.time() - epoch_started) / 60
        lr = optimiser.param_groups[0]["lr"]
        history.append({"epoch": epoch, "train_loss": running / batches, "held_out_loss": loss,
                        "held_out_top1_agreement": accuracy, "learning_rate": lr,
                        "minutes": (time.time() - started) / 60})
        log("epoch %d: train loss %.4f, held-out loss %.4f, top-1 agreement %.3f, lr %g, %.1f min"
            % (epoch, running / batches, loss, accuracy, lr, (time.time() - started) / 60))
        if loss < best_loss - 1e-4:
            best_loss, best_state = loss, {k: v.clone() for k, v in model.state_dict().items()}
        elif not args.cosine:
            base_rate /= 2
            if base_rate < 1e-4:
                log("held-out loss stopped improving: early stop")
                break
    if best_state is None:
        raise SystemExit("train.py: no epoch finished: nothing written")
    model.load_state_dict(best_state)
    model.eval()

    os.makedirs(args.output, exist_ok=True)
    torch.onnx.export(model, torch.zeros(2, width), os.path.join(args.output, "dnn.onnx"),
                      input_names=["features"], output_names=["logits"],
                      dynamic_axes={"features": {0: "frames"}, "logits": {0: "frames"}}, opset_version=13)
    store_weights_as_half(os.path.join(args.output, "dnn.onnx"))
    with open(os.path.join(args.output, "priors"), "w") as out:
        for value in priors.tolist():
            out.write("%.6g\n" % value)
    params = os.path.join(args.output, "dnn.params")
    if not os.path.exists(params):
        with open(params, "w") as out:
            out.write("-context %d,%d\n" % args.context)
    with open(os.path.join(args.output, "training.json"), "w") as out:
        json.dump({"training_frames": train.n, "held_out_frames": held.n, "training_clips": len(train_records),
                   "held_out_clips": len(held_records), "hidden": [args.hidden] * args.layers,
                   "bottleneck": args.bottleneck, "context": list(args.context), "batch": BATCH,
                   "epoch_frames": EPOCH_FRAMES, "bf16": args.bf16, "cosine": args.cosine,
                   "best_held_out_loss": best_loss, "minutes": (time.time() - started) / 60, "epochs": history},
                  out, indent=1)
    log("wrote %s (best held-out loss %.4f)" % (args.output, best_loss))


if __name__ == "__main__":
    main()
