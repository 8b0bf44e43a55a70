"""Grad-CAM on cat vs non-cat: where does a small CNN look to say "cat"? Plus its ROC curve and confusion matrix.

    python examples/diagnostics_gradcam.py [--fast] [--out diagnostics_out]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

import deepglass as dg
from deepglass import diagnostics as dgd

DATA = Path(os.environ.get("DEEPGLASS_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def cat_cnn():
    """Three conv blocks and global average pooling: the head Grad-CAM's averaging assumes."""
    nn = dg.nn
    return nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 1))


def main(out: str = "diagnostics_out", fast: bool = False) -> dict:
    dg.manual_seed(0)
    splits = dg.datasets.cat_vs_noncat(root=DATA / "catvnoncat", download=False)
    (x, y), (xt, yt) = splits.as_float()["train"], splits.as_float()["test"]
    if fast:
        x, y, xt, yt = x[:64], y[:64], xt[:24], yt[:24]
    module = cat_cnn()
    model = dg.Model(module)
    model.compile(optimizer=dg.optim.Adam(module.parameters(), lr=3e-3), loss=dg.nn.BCEWithLogitsLoss(),
                  metrics=["accuracy"])
    history = model.fit(x, y.astype(np.float32)[:, None], epochs=1 if fast else 25, batch_size=32,
                        validation_data=(xt, yt.astype(np.float32)[:, None]), verbose=0)
    print(dgd.diagnose(history))
    os.makedirs(out, exist_ok=True)
    scores = model.predict(xt, verbose=0).reshape(-1)
    dgd.plot_roc(yt, scores, Path(out) / "roc.png")
    dgd.plot_confusion_matrix(yt, (scores > 0).astype(np.int64), Path(out) / "confusion.png",
                              class_names=splits.class_names)
    cats = xt[yt == 1][:8]
    dgd.plot_gradcam(module, cats, class_idx=1, path=Path(out) / "gradcam_cats.png", class_names=splits.class_names)
    cams = dgd.grad_cam(module, cats, class_idx=1)
    fpr, tpr, _ = dgd.roc_curve(yt, scores)
    print(f"test AUC {dgd.auc(fpr, tpr):.3f}; Grad-CAM maps {cams.shape}")
    return {"cams": cams, "auc": dgd.auc(fpr, tpr), "history": history.history}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="fewer epochs")
    parser.add_argument("--out", default="diagnostics_out", help="folder for the PNG plots")
    args = parser.parse_args()
    main(args.out, args.fast)
