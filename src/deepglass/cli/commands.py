"""What each `deepglass` subcommand does. Each takes the parsed arguments and returns an exit status."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np

from .errors import UsageError
from .recipes import DATASETS, build_model, load_dataset
from .run_dir import new_run_dir, read_json
from .training_run import build, evaluate_splits, resolve_config, run_training, softmax, write_artifacts


def demo(args) -> int:
    """An MLP on iris (shipped in the package): a progress bar, the test accuracy, a run directory."""
    config = resolve_config({"dataset": "iris", "model": "mlp", "hidden": [16], "epochs": args.epochs,
                             "batch_size": 16, "optimizer": "adam", "lr": 0.01, "seed": args.seed,
                             "validation_split": 0.0})
    run_dir = new_run_dir(args.out, "iris-mlp")
    print(f"deepglass demo: a 4-16-3 MLP on iris (120 training / 30 test flowers), {args.epochs} epochs")
    start = time.perf_counter()
    results = run_training(config, run_dir, verbose=args.verbose)
    _print_results(results, run_dir, time.perf_counter() - start)
    return 0


def train(args) -> int:
    """Train from command-line options and/or a config file; or resume a run directory."""
    if args.resume:
        run_dir = Path(args.resume)
        if not (run_dir / "config.json").is_file():
            raise UsageError(f"{run_dir} is not a run directory: it has no config.json")
        config = read_json(run_dir / "config.json")
        print(f"resuming {run_dir} from its last completed epoch")
    else:
        options = _read_config_file(args.config) if args.config else {}
        for key in ("dataset", "model", "epochs", "batch_size", "optimizer", "lr", "weight_decay", "momentum",
                    "schedule", "augment", "hidden", "dropout", "validation_split", "seed", "device", "data_root",
                    "limit"):
            value = getattr(args, key)
            if value is not None:
                options[key] = value
        config = resolve_config(options)
        run_dir = new_run_dir(args.out, f"{config['dataset']}-{config['model']}")
    start = time.perf_counter()
    results = run_training(config, run_dir, verbose=args.verbose)
    _print_results(results, run_dir, time.perf_counter() - start)
    return 0


def evaluate(args) -> int:
    """Loss and accuracy of a run's final model on a split."""
    model, data, _ = _load_run(args.run_dir, args.data_root)
    if args.split not in data.splits:
        raise UsageError(f"dataset {data.name!r} has no {args.split!r} split; it has {sorted(data.splits)}")
    results = evaluate_splits(model, data, (args.split,))
    print(json.dumps(results, indent=2))
    return 0


def predict(args) -> int:
    """Print the predicted class and the class probabilities for image files or samples of a split."""
    model, data, _ = _load_run(args.run_dir, args.data_root)
    if args.images:
        x, names = _read_images(args.images, data.input_shape), args.images
    elif args.split:
        if args.split not in data.splits:
            raise UsageError(f"dataset {data.name!r} has no {args.split!r} split; it has {sorted(data.splits)}")
        x, labels = (a[: args.limit] for a in data.splits[args.split])
        names = [f"{args.split}[{i}] (label {data.class_names[y]})" for i, y in enumerate(labels)]
    else:
        raise UsageError("give image files or --split train|val|test")
    probabilities = softmax(model.predict(x, verbose=0))
    for name, p in zip(names, probabilities):
        top = int(p.argmax())
        shown = ", ".join(f"{data.class_names[i]}={p[i]:.3f}" for i in np.argsort(p)[::-1][:5])
        print(f"{name}: {data.class_names[top]} ({p[top]:.3f})  [{shown}]")
    return 0


def summary(args) -> int:
    """The layer table of a run's model, or of a model name for a given input shape."""
    import deepglass as dg

    target = Path(args.target)
    if target.is_dir():
        model, data, _ = _load_run(target, None)
        input_shape = data.input_shape
    else:
        try:
            input_shape = tuple(int(n) for n in args.input_shape.split(","))
        except ValueError:
            raise UsageError(f"--input-shape must be comma-separated integers, got {args.input_shape!r}") from None
        model = dg.Model(build_model(args.target, input_shape, args.num_classes))
    model.summary(input_shape=input_shape, show_arithmetic=args.arithmetic)
    return 0


def report(args) -> int:
    """Rewrite report.html (and curves.png) of a run directory."""
    model, data, run_dir = _load_run(args.run_dir, None)
    history_file = run_dir / "history.json"
    if history_file.is_file():
        from ..training.callbacks import History

        model.history = History()
        model.history.history = read_json(history_file)
        model.history.epoch = list(range(len(next(iter(model.history.history.values()), []))))
    for note in write_artifacts(model, data, run_dir):
        print(note)
    print(f"wrote {run_dir / 'report.html'}")
    return 0


def datasets(args) -> int:
    """List the datasets and whether their files are here (root or cache) or need downloading."""
    from ..datasets.download import data_root

    root = args.data_root or str(data_root())
    print(f"data root: {root}  (set with --data-root or $DEEPGLASS_DATA)")
    for name in DATASETS:
        if name == "iris":
            print(f"  {name:16s} shipped inside the package")
            continue
        try:
            splits = load_dataset(name, root=args.data_root, download=False)
        except UsageError as e:  # files absent: say where they were looked for and where they come from
            status = "not here: " + ("needs downloading (deepglass train downloads it)" if "http" in str(e)
                                     else "no public download; copy the files in by hand")
        except Exception as e:  # a loader's own validation error: the files are there but broken
            status = f"files present but unreadable: {_first_line(e)}"
        else:
            status = "available: " + ", ".join(f"{k} {len(v)}" for k, v in splits.splits().items())
        print(f"  {name:16s} {status}")
    return 0


# ---- helpers -------------------------------------------------------------------------------------
def _first_line(error) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _print_results(results: dict, run_dir: Path, seconds: float) -> None:
    for split, logs in results.items():
        shown = ", ".join(f"{k} {v:.4f}" for k, v in logs.items())
        print(f"{split}: {shown}")
    print(f"run directory: {run_dir}  ({seconds:.1f} s)")


def _read_config_file(path: str) -> dict:
    file = Path(path)
    if not file.is_file():
        raise UsageError(f"config file {path} does not exist")
    text = file.read_text(encoding="utf-8")
    if file.suffix == ".json":
        data = json.loads(text)
    else:
        try:
            import tomllib
        except ImportError:  # Python 3.10
            try:
                import tomli as tomllib
            except ImportError:
                raise UsageError("reading TOML on Python 3.10 needs tomli: pip install tomli (or use JSON)") from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise UsageError(f"config file {path}: {e}") from None
    data = data.get("train", data)
    return {k.replace("-", "_"): v for k, v in data.items()}


def _load_run(run_dir, data_root):
    """(the run's final model, its data, the run folder) — rebuilt from config.json + model.safetensors."""
    run_dir = Path(run_dir)
    if not (run_dir / "config.json").is_file():
        raise UsageError(f"{run_dir} is not a run directory: it has no config.json")
    weights = run_dir / "model.safetensors"
    if not weights.is_file():
        raise UsageError(f"{run_dir} has no model.safetensors: the run did not finish (resume it with "
                         f"deepglass train --resume {run_dir})")
    config = read_json(run_dir / "config.json")
    if data_root:
        config["data_root"] = data_root
    data, model = build(config)
    model.load_weights(str(weights))
    return model, data, run_dir


def _read_images(paths, input_shape) -> np.ndarray:
    """Image files as float32 (N, C, H, W) in [0, 1], converted and resized to the model's input."""
    if len(input_shape) != 3:
        raise UsageError(f"this model takes feature vectors of shape {input_shape}, not images")
    try:
        from PIL import Image
    except ImportError:
        raise UsageError("reading image files needs Pillow: pip install 'deepglass[images]'") from None
    channels, height, width = input_shape
    images = []
    for path in paths:
        if not os.path.isfile(path):
            raise UsageError(f"image file {path} does not exist")
        try:
            with Image.open(path) as image:
                image = image.convert("L" if channels == 1 else "RGB").resize((width, height))
                array = np.asarray(image, dtype=np.float32) / 255.0
        except OSError as e:
            raise UsageError(f"cannot read image {path}: {e}") from None
        images.append(array[None] if channels == 1 else array.transpose(2, 0, 1))
    return np.stack(images)
