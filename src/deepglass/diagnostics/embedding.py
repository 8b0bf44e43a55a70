"""2-D embeddings of inputs or learned features: PCA built in (NumPy SVD), t-SNE through scikit-learn.

    points = dg.diagnostics.pca(images.reshape(len(images), -1))           # (N, 2)
    points = dg.diagnostics.tsne(features, perplexity=30)                  # needs deepglass[tsne]

Colouring the points by class shows whether a layer has made the classes separable: raw pixels
overlap, the features of a trained network's last hidden layer form clusters.
"""

from __future__ import annotations

import numpy as np


def _as_matrix(x, name: str) -> np.ndarray:
    array = np.asarray(x.numpy() if hasattr(x, "numpy") else x, dtype=np.float64)
    if array.ndim < 2:
        raise ValueError(f"{name}: expected (N, features...) data, got shape {array.shape}")
    return array.reshape(len(array), -1)


def pca(x, n_components: int = 2) -> np.ndarray:
    """Project (N, D) data (any trailing shape is flattened) onto its `n_components` main directions.

    Centred, then SVD; each component's sign is fixed so its largest loading is positive, so the
    picture does not flip between runs.
    """
    data = _as_matrix(x, "pca")
    if n_components > min(data.shape):
        raise ValueError(f"pca: n_components={n_components} exceeds min(N, D) = {min(data.shape)}")
    centred = data - data.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    components = vt[:n_components]
    signs = np.sign(components[np.arange(n_components), np.abs(components).argmax(axis=1)])
    components = components * signs[:, None]
    return centred @ components.T


def explained_variance_ratio(x, n_components: int = 2) -> np.ndarray:
    """The fraction of the total variance each of the first `n_components` principal components holds."""
    data = _as_matrix(x, "explained_variance_ratio")
    s = np.linalg.svd(data - data.mean(axis=0), compute_uv=False)
    var = s**2
    return var[:n_components] / var.sum()


def tsne(x, n_components: int = 2, perplexity: float = 30.0, random_state: int | None = None,
         pca_first: int | None = 50, n_threads: int | None = None) -> np.ndarray:
    """t-SNE through scikit-learn (`pip install 'deepglass[tsne]'`); PCA to `pca_first` dims first (faster).

    `random_state` defaults to a draw from deepglass's generator, so `dg.manual_seed` makes it repeat.
    `n_threads` caps scikit-learn's OpenMP threads: on a busy machine 1 can be 50x faster than the
    default (idle threads spin-wait for cores that other processes hold).
    """
    try:
        from sklearn.manifold import TSNE
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("tsne needs scikit-learn: pip install 'deepglass[tsne]'") from e
    import deepglass as dg

    data = _as_matrix(x, "tsne")
    if pca_first is not None and data.shape[1] > pca_first and len(data) > pca_first:
        data = pca(data, pca_first)
    if random_state is None:
        random_state = int(dg.random.default_generator().integers(0, 2**31 - 1))
    perplexity = min(perplexity, max((len(data) - 1) / 3, 1.0))
    model = TSNE(n_components=n_components, perplexity=perplexity, random_state=random_state, init="pca")
    if n_threads is None:
        return model.fit_transform(data)
    from threadpoolctl import threadpool_limits  # installed with scikit-learn

    with threadpool_limits(n_threads, user_api="openmp"):
        return model.fit_transform(data)


def embed(x, method: str = "pca", **kwargs) -> np.ndarray:
    """2-D points for (N, ...) data by 'pca' or 'tsne'."""
    if method == "pca":
        return pca(x, **kwargs)
    if method == "tsne":
        return tsne(x, **kwargs)
    raise ValueError(f"embed: method must be 'pca' or 'tsne', got {method!r}")
