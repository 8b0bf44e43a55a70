"""csv: tabular files with a label column."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass.datasets import DataFileError


def test_text_labels_by_name(tmp_path):
    p = tmp_path / "flowers.csv"
    p.write_text("a,species,b\n1.5,virginica,2\n0.5,setosa,3\n2.5,virginica,4\n")
    s = dg.datasets.csv(p, label_column="species")
    assert s.class_names == ["setosa", "virginica"] and s.task == "binary"
    np.testing.assert_array_equal(s.train.y, [1, 0, 1])
    np.testing.assert_array_equal(s.train.x, [[1.5, 2], [0.5, 3], [2.5, 4]])
    assert s.train.x.dtype == np.float32 and s.info["feature_names"] == ["a", "b"]


def test_integer_float_labels_and_test_split(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("x,y\n" + "".join(f"{k},{k % 3}\n" for k in range(10)))
    s = dg.datasets.csv(p, test_split=0.3)
    assert (len(s.train), len(s.test)) == (7, 3) and s.class_names == ["0", "1", "2"] and s.task == "multiclass"
    p.write_text("x,y\n1,0.5\n2,1.5\n")
    r = dg.datasets.csv(p)
    assert r.task == "regression" and r.train.y.dtype == np.float32


def test_bad_rows_are_named(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("x,y\n1,0\n2\n")
    with pytest.raises(DataFileError, match=r"bad\.csv: line 3 has 1 fields, expected 2"):
        dg.datasets.csv(p)
    p.write_text("x,y\n1,0\nabc,1\n")
    with pytest.raises(DataFileError, match=r"bad\.csv: line 3, column 'x': 'abc' is not a number"):
        dg.datasets.csv(p)
    with pytest.raises(ValueError, match="label column 'z'"):
        dg.datasets.csv(p, label_column="z")
