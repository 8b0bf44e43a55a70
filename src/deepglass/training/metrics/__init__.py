"""Streaming metrics (update_state / result / reset_state), usable standalone or in `compile(metrics=...)`.

m = SparseCategoricalAccuracy()
for x, y in loader:
    m.update_state(y, model(x))
m.result()        # a Python float
"""

from .accuracy import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from .auc import AUC, average_precision, roc_auc
from .base import Mean, MeanMetricWrapper, Metric, Sum
from .confusion import ConfusionMatrix, F1Score, FBetaScore, Precision, Recall
from .registry import accuracy_for_loss, auto_accuracy, get
from .regression import CosineSimilarity, MeanAbsoluteError, MeanSquaredError, R2Score, RootMeanSquaredError
from .segmentation import BinaryIoU, Dice, IoU, MeanIoU
from .thresholds import (
    FalseNegatives,
    FalsePositives,
    PrecisionAtRecall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
    TrueNegatives,
    TruePositives,
)
