"""A small-input ResNet-18 on PneumoniaMNIST (28x28 chest X-rays, pneumonia vs normal), from scratch.

Trains with Adam, keeps the weights of the epoch with the best validation ROC AUC, and reports test
accuracy and ROC AUC of that model (the MedMNIST v2 paper's ResNet-18 (28) reaches ACC 0.854, AUC 0.944).

    python examples/resnet_pneumonia.py --data ../shared/data/medmnist --epochs 10 [--device cuda]
    python examples/resnet_pneumonia.py --fast          # 96 images per split, one epoch (a smoke test)
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import deepglass as dg
from deepglass.training.metrics import roc_auc


def load(data: str, fast: bool):
    """float32 (N, 1, 28, 28) images standardized with the training mean/std, int64 labels, per split."""
    splits = dg.datasets.medmnist("pneumoniamnist", root=data, download=False).as_float()
    if fast:  # a random 96 of each split (the files are not shuffled)
        pick = np.random.default_rng(0).choice
        splits = {k: (x[idx], y[idx]) for k, (x, y) in splits.items() for idx in [pick(len(x), 96, replace=False)]}
    mean, std = splits["train"][0].mean(), splits["train"][0].std()
    return {k: ((x - mean) / std, y.reshape(-1).astype(np.int64)) for k, (x, y) in splits.items()}


def augment(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Random shifts of up to 2 pixels (pad and crop), the only augmentation."""
    padded = np.pad(x, ((0, 0), (0, 0), (2, 2), (2, 2)), mode="edge")
    dy, dx = rng.integers(0, 5, 2)
    return padded[:, :, dy : dy + 28, dx : dx + 28]


def predict_proba(model, x: np.ndarray, device: str, batch: int = 512) -> np.ndarray:
    """P(pneumonia) for every image, in eval mode."""
    model.eval()
    out = []
    with dg.no_grad():
        for i in range(0, len(x), batch):
            out.append(dg.softmax(model(dg.tensor(x[i : i + batch], device=device)), dim=1).numpy()[:, 1])
    return np.concatenate(out)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data/medmnist", help="folder holding pneumoniamnist.npz")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--max-minutes", type=float, default=None, help="stop training after this long")
    parser.add_argument("--fast", action="store_true", help="96 images per split, one epoch")
    args = parser.parse_args(argv)
    epochs = 1 if args.fast else args.epochs
    dg.manual_seed(0)
    rng = np.random.default_rng(0)
    data = load(args.data, args.fast)
    (x, y), (x_val, y_val), (x_test, y_test) = data["train"], data["val"], data["test"]
    print(f"train {len(x)}, val {len(x_val)}, test {len(x_test)} images; pneumonia share {y.mean():.2f}")

    model = dg.models.resnet18(num_classes=2, in_channels=1, small_input=True).to(args.device)
    opt = dg.optim.Adam(model.parameters(), lr=args.lr)
    best_auc, best_state, began = -1.0, None, time.perf_counter()
    for epoch in range(1, epochs + 1):
        start, losses = time.perf_counter(), []
        model.train()
        order = rng.permutation(len(x))
        for i in range(0, len(x), args.batch_size):
            idx = order[i : i + args.batch_size]
            xb = dg.tensor(augment(x[idx], rng), device=args.device)
            loss = dg.nn.functional.cross_entropy(model(xb), dg.tensor(y[idx], device=args.device))
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        val_auc = roc_auc(y_val, predict_proba(model, x_val, args.device))
        if val_auc > best_auc:
            best_auc, best_state = val_auc, model.state_dict()
        seconds = time.perf_counter() - start
        print(f"epoch {epoch}: loss {np.mean(losses):.4f}  val AUC {val_auc:.4f}  ({seconds:.0f} s)", flush=True)
        if args.max_minutes and time.perf_counter() - began > 60 * args.max_minutes:
            print(f"stopping after {epoch} epochs (--max-minutes {args.max_minutes})")
            break

    model.load_state_dict(best_state)
    p = predict_proba(model, x_test, args.device)
    result = {"val_auc": best_auc, "test_acc": float(np.mean((p > 0.5) == y_test)), "test_auc": roc_auc(y_test, p)}
    print(f"best val AUC {best_auc:.4f} -> test accuracy {result['test_acc']:.4f}, "
          f"test ROC AUC {result['test_auc']:.4f}")
    return result


if __name__ == "__main__":
    main()
