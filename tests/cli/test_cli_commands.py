"""The `deepglass` command, run as users run it: in a subprocess, checking output, exit status and files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

# Only NumPy is a hard dependency: a "clean environment" is one where every optional extra fails to import.
OPTIONAL = ("matplotlib", "tqdm", "PIL", "h5py", "safetensors", "sklearn", "tensorboardX", "torch", "scipy", "cupy")
CORE_ONLY = "import sys\nfor m in {mods!r}: sys.modules[m] = None\nfrom deepglass.cli import main\nsys.exit(main())"


def deepglass(*args, cwd, core_only=False, timeout=300) -> subprocess.CompletedProcess:
    """Run `python -m deepglass ARGS` (or the same entry point with every optional extra blocked)."""
    if core_only:
        command = [sys.executable, "-c", CORE_ONLY.format(mods=OPTIONAL), *args]
    else:
        command = [sys.executable, "-m", "deepglass", *args]
    env = {**os.environ, "PYTHONHASHSEED": "0", "DEEPGLASS_DATA": str(Path(cwd) / "no-cache")}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def only_run_dir(base: Path) -> Path:
    runs = sorted(p for p in base.iterdir() if p.is_dir())
    assert len(runs) == 1, runs
    return runs[0]


def test_demo_with_core_dependencies_only(tmp_path):
    result = deepglass("demo", "--epochs", "5", "--out", "runs", cwd=tmp_path, core_only=True)
    assert result.returncode == 0, result.stderr
    assert "plots skipped: matplotlib is not installed" in result.stdout
    assert "Traceback" not in result.stderr
    run = only_run_dir(tmp_path / "runs")
    for name in ("config.json", "history.csv", "history.json", "model.safetensors", "metrics.json", "report.html"):
        assert (run / name).is_file(), name
    assert not (run / "curves.png").exists()
    history = json.loads((run / "history.json").read_text())
    assert len(history["loss"]) == 5 and all(isinstance(v, float) for v in history["loss"])
    assert len((run / "history.csv").read_text().strip().splitlines()) == 6  # header + 5 epochs
    accuracy = json.loads((run / "metrics.json").read_text())["test"]["accuracy"]
    assert f"accuracy {accuracy:.4f}" in result.stdout
    report = (run / "report.html").read_text()
    assert "What the curves say" in report and "plot skipped" in report


def test_demo_writes_curves_and_learns_iris(tmp_path):
    pytest.importorskip("matplotlib")
    result = deepglass("demo", "--out", "runs", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    run = only_run_dir(tmp_path / "runs")
    assert (run / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<img" in (run / "report.html").read_text()
    metrics = json.loads((run / "metrics.json").read_text())["test"]
    assert metrics["accuracy"] >= 0.85  # the fixed 30-flower split: every sklearn classifier scores 0.90 on it
    config = json.loads((run / "config.json").read_text())
    assert config["dataset"] == "iris" and config["model"] == "mlp"


def test_train_from_toml_with_overrides_then_evaluate_predict_summary_report(tmp_path):
    (tmp_path / "run.toml").write_text('[train]\ndataset = "iris"\nmodel = "mlp"\nhidden = [8]\nepochs = 50\n'
                                       'batch-size = 16\noptimizer = "sgd"\nlr = 0.05\n')
    result = deepglass("train", "--config", "run.toml", "--optimizer", "momentum", "--epochs", "30",
                       "--schedule", "cosine", "--verbose", "0", "--out", "runs", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    run = only_run_dir(tmp_path / "runs")
    config = json.loads((run / "config.json").read_text())
    assert (config["optimizer"], config["epochs"], config["hidden"], config["schedule"]) == ("momentum", 30, [8],
                                                                                            "cosine")
    history = json.loads((run / "history.json").read_text())
    assert len(history["loss"]) == 30 and history["loss"][-1] < history["loss"][0]
    assert history["lr"][-1] < history["lr"][0]  # the cosine schedule ran
    assert (run / "best.safetensors").is_file()

    evaluated = deepglass("evaluate", str(run), cwd=tmp_path)
    assert evaluated.returncode == 0, evaluated.stderr
    assert json.loads(evaluated.stdout) == json.loads((run / "metrics.json").read_text())

    predicted = deepglass("predict", str(run), "--split", "test", "--limit", "4", cwd=tmp_path)
    assert predicted.returncode == 0, predicted.stderr
    lines = predicted.stdout.strip().splitlines()
    assert len(lines) == 4 and all(line.startswith(f"test[{i}]") for i, line in enumerate(lines))
    assert all(any(name in line for name in ("setosa", "versicolor", "virginica")) for line in lines)

    summary = deepglass("summary", str(run), cwd=tmp_path)
    assert summary.returncode == 0, summary.stderr
    assert "67" in summary.stdout  # 4*8+8 + 8*3+3 parameters

    (run / "report.html").unlink()
    reported = deepglass("report", str(run), cwd=tmp_path)
    assert reported.returncode == 0, reported.stderr
    assert "What the curves say" in (run / "report.html").read_text()


def test_summary_of_a_zoo_model_counts_its_parameters(tmp_path):
    result = deepglass("summary", "resnet18", "--input-shape", "3,224,224", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "11,689,512" in result.stdout
    arithmetic = deepglass("summary", "lenet5", "--input-shape", "1,28,28", "--num-classes", "10",
                           "--arithmetic", cwd=tmp_path)
    assert arithmetic.returncode == 0, arithmetic.stderr
    assert "(28−5+2·2)/1+1 = 28" in arithmetic.stdout and "(10−2+2·0)/2+1 = 5" in arithmetic.stdout
    assert "61,706" in arithmetic.stdout


def test_shape_mismatch_names_the_layer_and_shapes(tmp_path):
    result = deepglass("summary", "lenet5", "--input-shape", "1,32,32", "--num-classes", "10", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "'classifier.1' (Linear)" in result.stderr and "(1, 576)" in result.stderr and "(*, 400)" in result.stderr


def test_train_mnist_from_a_data_folder(tmp_path, shared_data):
    result = deepglass("train", "--dataset", "mnist", "--model", "logistic", "--epochs", "2", "--limit", "2000",
                       "--lr", "0.01", "--data-root", str(shared_data / "mnist"), "--verbose", "0", "--out", "runs",
                       cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    run = only_run_dir(tmp_path / "runs")
    metrics = json.loads((run / "metrics.json").read_text())["test"]
    assert metrics["accuracy"] > 0.8

    # predict on image files: two test digits saved as PNG (one at another size, to be resized)
    image = pytest.importorskip("PIL.Image")
    import deepglass as dg

    test = dg.datasets.mnist(root=shared_data / "mnist", download=False).test
    image.fromarray(test.x[0]).save(tmp_path / "digit0.png")
    image.fromarray(test.x[1]).resize((56, 56)).save(tmp_path / "digit1.png")
    predicted = deepglass("predict", str(run), "digit0.png", "digit1.png", "--data-root", str(shared_data / "mnist"),
                          cwd=tmp_path)
    assert predicted.returncode == 0, predicted.stderr
    lines = predicted.stdout.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["digit0.png", "digit1.png"]
    assert lines[0].split(": ")[1].startswith(str(test.y[0])) and lines[1].split(": ")[1].startswith(str(test.y[1]))
    missing = deepglass("predict", str(run), "nope.png", "--data-root", str(shared_data / "mnist"), cwd=tmp_path)
    assert missing.returncode == 2 and "image file nope.png does not exist" in missing.stderr


def test_every_augmentation_trains_a_cnn(tmp_path, shared_data):
    from deepglass.cli.training_run import AUGMENTATIONS

    result = deepglass("train", "--dataset", "mnist", "--model", "cnn", "--epochs", "1", "--limit", "256",
                       "--augment", ",".join(AUGMENTATIONS), "--data-root", str(shared_data / "mnist"),
                       "--verbose", "0", "--out", "runs", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    config = json.loads((only_run_dir(tmp_path / "runs") / "config.json").read_text())
    assert config["augment"] == list(AUGMENTATIONS)


def test_killed_run_resumes_to_the_same_weights(tmp_path):
    """SIGKILL after a completed epoch, then `train --resume DIR`: the same final weights as an unbroken run."""
    args = ["train", "--dataset", "iris", "--model", "mlp", "--hidden", "32,32", "--epochs", "40", "--batch-size", "1",
            "--optimizer", "adam", "--lr", "0.001", "--verbose", "0"]
    whole = deepglass(*args, "--out", "whole", cwd=tmp_path)
    assert whole.returncode == 0, whole.stderr

    env = {**os.environ, "DEEPGLASS_DATA": str(tmp_path / "no-cache")}
    process = subprocess.Popen([sys.executable, "-m", "deepglass", *args, "--out", "killed"], cwd=tmp_path, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not list((tmp_path / "killed").glob("*/backup/backup.safetensors")):
        assert process.poll() is None, f"the run ended before its first backup: {process.stderr.read()}"
        assert time.monotonic() < deadline, "no backup written within 120 s"
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    process.stderr.close()
    run = only_run_dir(tmp_path / "killed")
    assert not (run / "model.safetensors").exists(), "the run finished before it was killed; the test proves nothing"

    resumed = deepglass("train", "--resume", str(run), cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming" in resumed.stdout
    load = pytest.importorskip("safetensors.numpy").load_file
    expected, got = load(only_run_dir(tmp_path / "whole") / "model.safetensors"), load(run / "model.safetensors")
    weights = [k for k in expected if "optimizer" not in k and "." in k]
    assert weights
    for key in expected:
        np.testing.assert_array_equal(got[key], expected[key], err_msg=key)
    history = json.loads((run / "history.json").read_text())
    assert len(history["loss"]) == 40


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("train", "--dataset", "mnsit"), ["unknown dataset 'mnsit'", "did you mean 'mnist'", "iris", "cifar10"]),
        (("train", "--dataset", "iris", "--model", "resnet19"), ["unknown model 'resnet19'", "resnet18", "mlp"]),
        (("train", "--dataset", "iris", "--optimizer", "adamm"), ["unknown optimizer 'adamm'", "adam", "sgd"]),
        (("train", "--dataset", "iris", "--schedule", "linear"), ["unknown schedule", "cosine", "step"]),
        (("train", "--dataset", "iris", "--model", "cnn"), ["model 'cnn' needs image inputs", "(4,)"]),
        (("train", "--dataset", "iris", "--augment", "flip,blur"), ["unknown augmentation 'blur'", "affine"]),
        (("evaluate", "no-such-run"), ["no-such-run is not a run directory"]),
        (("train", "--resume", "no-such-run"), ["no-such-run is not a run directory"]),
        (("summary", "vgg17"), ["unknown model 'vgg17'", "vgg16"]),
        (("train", "--dataset", "iris", "--device", "tpu"), ["unknown device 'tpu'", "'cpu' or 'cuda'"]),
        (("train", "--config", "missing.toml"), ["config file missing.toml does not exist"]),
    ],
)
def test_user_errors_are_one_clear_message(tmp_path, args, expected):
    result = deepglass(*args, "--out", "runs", cwd=tmp_path) if args[0] == "train" else deepglass(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    for text in expected:
        assert text in result.stderr, (text, result.stderr)


def test_cuda_without_a_gpu_is_a_clear_error(tmp_path):
    import deepglass as dg

    if dg.is_available("cuda"):
        pytest.skip("this machine has a GPU and CuPy")
    result = deepglass("train", "--dataset", "iris", "--device", "cuda", "--out", "runs", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "device 'cuda' is not available here" in result.stderr and "--device cpu" in result.stderr


def test_learning_rate_defaults_to_the_optimizers_own(tmp_path):
    result = deepglass("train", "--dataset", "iris", "--optimizer", "adadelta", "--epochs", "20", "--verbose", "0",
                       "--out", "runs", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    run = only_run_dir(tmp_path / "runs")
    assert json.loads((run / "config.json").read_text())["lr"] == 1.0  # Adadelta's, not Adam's 1e-3
    assert json.loads((run / "metrics.json").read_text())["test"]["accuracy"] > 0.8


def test_unknown_option_in_config_file_lists_valid_ones(tmp_path):
    (tmp_path / "bad.toml").write_text('dataset = "iris"\nlearning_rate = 0.1\n')
    result = deepglass("train", "--config", "bad.toml", "--out", "runs", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "learning_rate" in result.stderr and "valid options" in result.stderr and "lr" in result.stderr


def test_missing_dataset_says_where_to_put_the_files(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    env_result = deepglass("train", "--dataset", "mnist", "--data-root", str(empty), "--out", "runs", cwd=tmp_path)
    assert env_result.returncode == 2 and "Traceback" not in env_result.stderr
    message = env_result.stderr
    assert "train-images-idx3-ubyte" in message and str(empty) in message


def test_datasets_lists_what_is_available(tmp_path, shared_data):
    result = deepglass("datasets", "--data-root", str(shared_data / "mnist"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines()[1:] if line.strip()}
    assert "shipped" in lines["iris"]
    assert "available: train 60000, test 10000" in lines["mnist"]
    assert "not here: needs downloading" in lines["cifar10"] and "not here" in lines["fashion_mnist"]
    assert "no public download" in lines["cat_vs_noncat"]


def test_no_command_prints_help(tmp_path):
    result = deepglass(cwd=tmp_path)
    assert result.returncode == 2
    for command in ("train", "evaluate", "predict", "summary", "report", "datasets", "demo"):
        assert command in result.stdout


def test_train_on_cuda_matches_the_cpu_run(tmp_path):
    """`--device cuda` trains the same model as `--device cpu` (the same seed), and the run evaluates on either."""
    import deepglass as dg

    if not dg.is_available("cuda"):
        pytest.skip("needs CuPy and an NVIDIA GPU")
    histories = {}
    for device in ("cpu", "cuda"):
        result = deepglass("train", "--dataset", "iris", "--epochs", "10", "--device", device, "--verbose", "0",
                           "--out", device, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        run = only_run_dir(tmp_path / device)
        histories[device] = json.loads((run / "history.json").read_text())["loss"]
    np.testing.assert_allclose(histories["cuda"], histories["cpu"], rtol=1e-4)
    evaluated = deepglass("evaluate", str(only_run_dir(tmp_path / "cuda")), cwd=tmp_path)
    assert evaluated.returncode == 0, evaluated.stderr
