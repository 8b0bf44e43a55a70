"""PCA (built in) against scikit-learn, and the t-SNE wrapper."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass.diagnostics import embed, explained_variance_ratio, pca, tsne


def test_pca_matches_sklearn_up_to_sign():
    decomposition = pytest.importorskip("sklearn.decomposition")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((80, 6)) @ rng.standard_normal((6, 6))
    ours = pca(x, 3)
    theirs = decomposition.PCA(3).fit_transform(x)
    for i in range(3):
        sign = np.sign(ours[:, i] @ theirs[:, i])
        np.testing.assert_allclose(ours[:, i], sign * theirs[:, i], atol=1e-8)
    np.testing.assert_allclose(explained_variance_ratio(x, 3),
                               decomposition.PCA(3).fit(x).explained_variance_ratio_, rtol=1e-8)


def test_pca_finds_the_direction_of_largest_variance():
    rng = np.random.default_rng(1)
    x = np.stack([rng.standard_normal(200) * 10, rng.standard_normal(200) * 0.1], axis=1)
    points = pca(dg.tensor(x.astype(np.float32)), 1)
    assert np.corrcoef(points[:, 0], x[:, 0])[0, 1] > 0.999


def test_pca_rejects_too_many_components():
    with pytest.raises(ValueError, match="n_components"):
        pca(np.zeros((3, 2)), 5)


def test_tsne_separates_two_clusters_and_repeats_with_seed():
    pytest.importorskip("sklearn")
    rng = np.random.default_rng(2)
    x = np.concatenate([rng.standard_normal((30, 8)), rng.standard_normal((30, 8)) + 8])
    dg.manual_seed(3)
    a = tsne(x, perplexity=10, n_threads=1)
    dg.manual_seed(3)
    b = embed(x, "tsne", perplexity=10, n_threads=1)
    np.testing.assert_allclose(a, b)
    centre_gap = np.linalg.norm(a[:30].mean(0) - a[30:].mean(0))
    spread = a[:30].std(0).mean() + a[30:].std(0).mean()
    assert centre_gap > 2 * spread
    with pytest.raises(ValueError, match="method"):
        embed(x, "umap")
