"""Embeddings of MNIST: raw pixels vs the features a trained network learned, by PCA and t-SNE.

    python examples/diagnostics_embedding.py [--fast] [--out diagnostics_out]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

import deepglass as dg
from deepglass import diagnostics as dgd

DATA = Path(os.environ.get("DEEPGLASS_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def separation(points: np.ndarray, labels: np.ndarray, k: int = 5) -> float:
    """How well the 2-D picture separates classes: accuracy of a k-nearest-neighbour vote (leave one out)."""
    distances = ((points[:, None, :] - points[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(distances, np.inf)
    neighbours = labels[np.argsort(distances, axis=1)[:, :k]]
    votes = np.array([np.bincount(row, minlength=labels.max() + 1).argmax() for row in neighbours])
    return float((votes == labels).mean())


def main(out: str = "diagnostics_out", fast: bool = False) -> dict:
    dg.manual_seed(0)
    splits = dg.datasets.mnist(root=DATA / "mnist", download=False).as_float()
    (x, y), (xt, yt) = splits["train"], splits["test"]
    n = 1000 if fast else 20000
    x, y = x[:n].reshape(n, -1), y[:n]
    nn = dg.nn
    module = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 32), nn.ReLU(), nn.Linear(32, 10))
    model = dg.Model(module)
    model.compile(optimizer=dg.optim.Adam(module.parameters(), lr=2e-3), loss=nn.CrossEntropyLoss(),
                  metrics=["accuracy"])
    model.fit(x, y, epochs=1 if fast else 5, batch_size=64, verbose=0)
    m = 300 if fast else 2000
    inputs, labels = xt[:m].reshape(m, -1), yt[:m]
    features = dgd.layer_features(module, inputs)          # (m, 32): what the last layer separates
    os.makedirs(out, exist_ok=True)
    scores = {}
    for method in ("pca",) if fast else ("pca", "tsne"):  # t-SNE takes a while: full runs only
        points_in, points_feat = dgd.embed(inputs, method), dgd.embed(features, method)
        dgd.plot_embeddings(points_in, points_feat, labels, Path(out) / f"embedding_{method}.png", method=None)
        scores[method] = separation(points_in, labels), separation(points_feat, labels)
        print(f"{method}: 5-NN accuracy in the 2-D picture: inputs {scores[method][0]:.2f}, learned features "
              f"{scores[method][1]:.2f}")
    return scores


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="smaller data and fewer epochs")
    parser.add_argument("--out", default="diagnostics_out", help="folder for the PNG plots")
    args = parser.parse_args()
    main(args.out, args.fast)
