"""parameters_to_vector / vector_to_parameters, as torch.nn.utils'."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass import nn
from deepglass.nn.utils import parameters_to_vector, vector_to_parameters


def test_round_trip_matches_torch_order(torch):
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    t_model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    t_model.load_state_dict({k: torch.tensor(v) for k, v in model.state_dict().items()})
    vector = parameters_to_vector(model.parameters())
    np.testing.assert_array_equal(vector.numpy(),
                                  torch.nn.utils.parameters_to_vector(t_model.parameters()).detach().numpy())
    weight = model[0].weight
    vector_to_parameters(dg.arange(vector.numel(), dtype=np.float32), model.parameters())
    assert model[0].weight is weight and model[0].weight.numpy().ravel().tolist() == list(range(12))
    assert model[2].bias.tolist() == [vector.numel() - 2.0, vector.numel() - 1.0]


def test_the_vector_is_differentiable_and_bad_sizes_are_clear():
    model = nn.Linear(2, 2)
    (parameters_to_vector(model.parameters()) ** 2).sum().backward()
    np.testing.assert_allclose(model.weight.grad.numpy(), 2 * model.weight.numpy())
    with pytest.raises(ValueError, match=r"a vector of 5 values \(shape \(5,\)\) for parameters holding 6"):
        vector_to_parameters(dg.zeros(5), model.parameters())
