"""The `deepglass` command: train, evaluate, predict, summary, report, datasets, demo.

    deepglass demo                                    # an MLP on iris, in seconds, no download
    deepglass train --dataset mnist --model cnn --epochs 3 --data-root ../shared/data/mnist
    deepglass train --config run.toml                 # the same options from a TOML (or JSON) file
    deepglass train --resume runs/mnist-cnn-...       # continue a killed run from its last epoch
    deepglass evaluate runs/mnist-cnn-...             # test-set loss/accuracy of a run
    deepglass predict runs/mnist-cnn-... digit.png    # classes and probabilities for image files
"""

from __future__ import annotations

import argparse
import sys

from .errors import UsageError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="deepglass", description="Train, inspect and diagnose neural networks.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser("demo", help="train an MLP on iris (shipped) and write a run directory")
    demo.add_argument("--epochs", type=int, default=60)
    demo.add_argument("--out", default="runs", help="folder for run directories (default: runs)")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2))

    train = commands.add_parser("train", help="train a model on a dataset")
    train.add_argument("--config", help="TOML or JSON file of options (command-line options override it)")
    train.add_argument("--resume", metavar="RUN_DIR", help="continue the run in RUN_DIR from its last epoch")
    train.add_argument("--dataset")
    train.add_argument("--model", help="logistic, mlp, cnn or a zoo model (lenet5, resnet18, ...)")
    train.add_argument("--epochs", type=int)
    train.add_argument("--batch-size", type=int)
    train.add_argument("--optimizer")
    train.add_argument("--lr", type=float, help="learning rate (default: the optimizer's PyTorch default)")
    train.add_argument("--weight-decay", type=float)
    train.add_argument("--momentum", type=float)
    train.add_argument("--schedule", help="none, step, cosine or exponential")
    train.add_argument("--augment", help="comma-separated: flip,vflip,affine,rotate,crop,noise,erase")
    train.add_argument("--hidden", help="hidden layer widths of the mlp, e.g. 512,512")
    train.add_argument("--dropout", type=float)
    train.add_argument("--validation-split", type=float)
    train.add_argument("--seed", type=int)
    train.add_argument("--device", help="cpu or cuda")
    train.add_argument("--data-root", help="folder holding the dataset files (else $DEEPGLASS_DATA or the cache)")
    train.add_argument("--limit", type=int, help="use only the first N samples of each split (quick trials)")
    train.add_argument("--out", default="runs", help="folder for run directories (default: runs)")
    train.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2))

    evaluate = commands.add_parser("evaluate", help="loss and accuracy of a trained run on a split")
    evaluate.add_argument("run_dir")
    evaluate.add_argument("--split", default="test", choices=("train", "val", "test"))
    evaluate.add_argument("--data-root")

    predict = commands.add_parser("predict", help="classes and probabilities for image files or a dataset split")
    predict.add_argument("run_dir")
    predict.add_argument("images", nargs="*", help="image files (PNG/JPEG; needs Pillow)")
    predict.add_argument("--split", choices=("train", "val", "test"), help="predict samples of a dataset split")
    predict.add_argument("--limit", type=int, default=10)
    predict.add_argument("--data-root")

    summary = commands.add_parser("summary", help="layers, output shapes and parameters of a run or zoo model")
    summary.add_argument("target", help="a run directory or a model name (mlp, cnn, resnet18, ...)")
    summary.add_argument("--input-shape", default="3,224,224", help="C,H,W (or F) for a model name")
    summary.add_argument("--num-classes", type=int, default=1000)
    summary.add_argument("--arithmetic", action="store_true", help="show (W-F+2P)/S+1 for conv/pool layers")

    report = commands.add_parser("report", help="(re)write the HTML report of a run")
    report.add_argument("run_dir")

    datasets = commands.add_parser("datasets", help="which datasets are available, cached or need downloading")
    datasets.add_argument("--data-root")
    return parser


def main(argv=None) -> int:
    """Entry point of the `deepglass` command; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    from . import commands

    try:
        return getattr(commands, args.command)(args) or 0
    except UsageError as e:
        print(f"deepglass {args.command}: error: {e}", file=sys.stderr)
        return 2
    except Exception as e:
        if not _meant_for_users(e):
            raise
        print(f"deepglass {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _meant_for_users(error: Exception) -> bool:
    """Errors whose message already says what to fix: a layer/shape mismatch, a bad or missing data file."""
    from ..datasets.errors import DataFileError

    return getattr(error, "_deepglass_layer", False) or isinstance(error, DataFileError)
