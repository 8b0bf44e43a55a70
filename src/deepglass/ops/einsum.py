"""einsum: Einstein summation over any number of operands, differentiable.

The gradient of operand k is itself an einsum: the output's gradient times every other operand, summed
down to operand k's subscripts. Subscripts that appear only in operand k (summed inside it, like i in
'ij->j') are broadcast back. Explicit letters only: no '...' and no repeated letter inside one operand.
"""

from __future__ import annotations

from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor


def _parse(spec: str, count: int) -> tuple[list[str], str]:
    spec = spec.replace(" ", "")
    if "." in spec:
        raise NotImplementedError(f"einsum {spec!r}: '...' (broadcast subscripts) is not supported; name every axis")
    inputs, arrow, output = spec.partition("->")
    subscripts = inputs.split(",")
    if len(subscripts) != count:
        raise ValueError(f"einsum {spec!r}: {len(subscripts)} operand subscripts for {count} operands")
    if not arrow:  # NumPy's implicit output: the letters used once, in alphabetical order
        letters = "".join(subscripts)
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    for s in subscripts:
        if len(set(s)) != len(s):
            raise NotImplementedError(f"einsum {spec!r}: a letter repeated inside one operand ({s!r}, a diagonal) "
                                      "is not supported")
    return subscripts, output


class Einsum(Function):
    def forward(self, *operands, subscripts, output):
        self.operands, self.subscripts, self.output = operands, subscripts, output
        xp = get_array_module(operands[0])
        return xp.einsum(f"{','.join(subscripts)}->{output}", *operands)

    def backward(self, gy):
        xp = get_array_module(gy)
        grads = []
        for k, (subs, operand) in enumerate(zip(self.subscripts, self.operands)):
            if not self.needs_input_grad[k]:
                grads.append(None)
                continue
            others = [(s, o) for j, (s, o) in enumerate(zip(self.subscripts, self.operands)) if j != k]
            present = set(self.output).union(*(s for s, _ in others))
            kept = "".join(c for c in subs if c in present)
            spec = ",".join([self.output] + [s for s, _ in others]) + "->" + kept
            g = xp.einsum(spec, gy, *(o for _, o in others))
            if len(kept) < len(subs):  # letters summed inside this operand alone: the gradient is constant along them
                g = g.reshape([n if c in present else 1 for c, n in zip(subs, operand.shape)])
                g = xp.ascontiguousarray(xp.broadcast_to(g, operand.shape))
            grads.append(g)
        return tuple(grads)


def einsum(spec: str, *operands: Tensor) -> Tensor:
    """Einstein summation, as torch.einsum/np.einsum: `einsum('bij,bjk->bik', a, b)` is a batched matmul,
    `einsum('i,i->', w, x)` a dot product. Differentiable in every operand."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    inputs, output = _parse(spec, len(operands))
    for s, o in zip(inputs, operands):
        if len(s) != o.ndim:
            raise ValueError(f"einsum {spec!r}: subscripts {s!r} for an operand of shape {tuple(o.shape)}")
    return Einsum.apply(*operands, subscripts=inputs, output=output)
