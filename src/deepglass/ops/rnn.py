"""Recurrent layers as fused ops: one layer, one direction, the whole sequence in one Function.

The input projection x·W_ihᵀ + b of every time step is one GEMM before the time loop; the loop does one GEMM
per step (h·W_hhᵀ) and the gate maths in place on the arrays of `xp` (NumPy or CuPy). The backward walks the
steps in reverse with the saved gate activations, then finds dx, dW_ih and dW_hh as one GEMM each over all steps.
Shapes: x (L, N, H_in) time-major, h0/c0 (N, H), W_ih (G·H, H_in), W_hh (G·H, H) with PyTorch's gate order
(LSTM i, f, g, o; GRU r, z, n) and G = 1, 4, 3 for RNN, LSTM, GRU.

Biases come last among the inputs. RNN and LSTM add any number of them (PyTorch's b_ih and b_hh, or Keras's
single bias); GRU takes none or exactly two, since its b_hn sits inside the reset gate:
n = tanh(W_in·x + b_in + r ⊙ (W_hn·h + b_hn)).
"""

from __future__ import annotations

from .. import parallel
from ..autograd.function import Function
from ..backend import get_array_module


def _sigmoid_(a, xp):
    """Logistic sigmoid of `a`, in place, as (1 + tanh(a/2))/2: never overflows."""
    a *= 0.5
    xp.tanh(a, out=a)
    a *= 0.5
    a += 0.5
    return a


def _steps(length: int, reverse: bool):
    return range(length - 1, -1, -1) if reverse else range(length)


def _project(x, W_ih, biases):
    """x·W_ihᵀ + Σ biases for every step at once: (L, N, H_in) → (L, N, G·H), a fresh array."""
    L, N, H_in = x.shape
    G = parallel.matmul(x.reshape(L * N, H_in), W_ih.T)
    for b in biases:
        G += b
    return G.reshape(L, N, W_ih.shape[0])


def _input_grads(dG, x, W_ih, needs_x: bool, needs_w: bool):
    """dx = dG·W_ih and dW_ih = Σ_t dG_tᵀ·x_t, each one GEMM over every step."""
    L, N, width = dG.shape
    d2 = dG.reshape(L * N, width)
    dx, dW = parallel.matmuls((d2, W_ih) if needs_x else None,
                              (d2.T, x.reshape(L * N, x.shape[-1])) if needs_w else None)
    return (None if dx is None else dx.reshape(x.shape)), dW


def _hidden_weight_grad(dG, Hs, h0, reverse: bool):
    """dW_hh = Σ_t dG_tᵀ·h_{t-1}: the step that starts from h0, plus one GEMM over the others."""
    L, N, width = dG.shape
    first = L - 1 if reverse else 0
    dW = dG[first].T @ h0
    if L > 1:
        rest_d, rest_h = (dG[:-1], Hs[1:]) if reverse else (dG[1:], Hs[:-1])
        dW += parallel.matmul(rest_d.reshape(-1, width).T, rest_h.reshape(-1, Hs.shape[-1]))
    return dW


class RNNSequence(Function):
    """Elman RNN: h_t = act(W_ih·x_t + b_ih + W_hh·h_{t-1} + b_hh), act tanh or relu. Output (L, N, H)."""

    def forward(self, x, W_ih, W_hh, h0, *biases, nonlinearity: str = "tanh", reverse: bool = False):
        xp = get_array_module(x)
        Y = _project(x, W_ih, biases)  # becomes the outputs, step by step
        WT, h, tanh = W_hh.T, h0, nonlinearity == "tanh"
        for t in _steps(len(Y), reverse):
            y = Y[t]
            y += h @ WT
            if tanh:
                xp.tanh(y, out=y)
            else:
                xp.maximum(y, 0, out=y)
            h = y
        self.x, self.W_ih, self.W_hh, self.h0, self.Y = x, W_ih, W_hh, h0, Y
        self.tanh, self.reverse, self.nbias = tanh, reverse, len(biases)
        return Y

    def backward(self, gY):
        xp = get_array_module(gY)
        Y, W_hh = self.Y, self.W_hh
        dpre = xp.empty_like(Y)
        dh = None
        for t in reversed(_steps(len(Y), self.reverse)):
            d = dpre[t]
            if dh is None:
                d[...] = gY[t]
            else:
                xp.add(gY[t], dh, out=d)
            if self.tanh:
                d *= 1 - Y[t] * Y[t]
            else:
                d *= Y[t] > 0
            dh = d @ W_hh
        needs = self.needs_input_grad
        dx, dW_ih = _input_grads(dpre, self.x, self.W_ih, needs[0], needs[1])
        dW_hh = _hidden_weight_grad(dpre, Y, self.h0, self.reverse) if needs[2] else None
        db = dpre.sum(axis=(0, 1)) if self.nbias and any(needs[4:]) else None
        return (dx, dW_ih, dW_hh, dh, *([db] * self.nbias))


class LSTMSequence(Function):
    """LSTM: gates i, f, g, o = σ, σ, tanh, σ of W_ih·x_t + W_hh·h_{t-1} + b; c_t = f⊙c_{t-1} + i⊙g,
    h_t = o⊙tanh(c_t). Inputs x, W_ih, W_hh, h0, c0, *biases; output (2, L, N, H): [h_1..h_L, c_1..c_L]."""

    def forward(self, x, W_ih, W_hh, h0, c0, *biases, reverse: bool = False):
        xp = get_array_module(x)
        A = _project(x, W_ih, biases)  # pre-activations, then the gate activations, in place
        L, N, H = A.shape[0], A.shape[1], W_hh.shape[1]
        Y = xp.empty((2, L, N, H), dtype=A.dtype)
        TC = xp.empty((L, N, H), dtype=A.dtype)  # tanh(c_t), kept for the backward
        WT, h, c = W_hh.T, h0, c0
        for t in _steps(L, reverse):
            a = A[t]
            a += h @ WT
            _sigmoid_(a[:, :2 * H], xp)
            g = a[:, 2 * H:3 * H]
            xp.tanh(g, out=g)
            o = _sigmoid_(a[:, 3 * H:], xp)
            c_new, h_new, tc = Y[1, t], Y[0, t], TC[t]
            xp.multiply(a[:, H:2 * H], c, out=c_new)
            c_new += a[:, :H] * g
            xp.tanh(c_new, out=tc)
            xp.multiply(o, tc, out=h_new)
            h, c = h_new, c_new
        self.x, self.W_ih, self.W_hh, self.h0, self.c0 = x, W_ih, W_hh, h0, c0
        self.A, self.Y, self.TC, self.reverse, self.nbias = A, Y, TC, reverse, len(biases)
        return Y

    def backward(self, gY):
        xp = get_array_module(gY)
        A, Y, TC, W_hh = self.A, self.Y, self.TC, self.W_hh
        L, H = A.shape[0], W_hh.shape[1]
        dA = xp.empty_like(A)
        dh = dc = None
        order = list(reversed(_steps(L, self.reverse)))
        for k, t in enumerate(order):
            a, tc, d = A[t], TC[t], dA[t]
            i, f, g, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
            c_prev = self.c0 if k == L - 1 else Y[1, order[k + 1]]
            dh = gY[0, t] if dh is None else gY[0, t] + dh
            dct = dh * o * (1 - tc * tc)
            dct += gY[1, t]
            if dc is not None:
                dct += dc
            xp.multiply(dh * tc, o * (1 - o), out=d[:, 3 * H:])
            xp.multiply(dct * g, i * (1 - i), out=d[:, :H])
            xp.multiply(dct * c_prev, f * (1 - f), out=d[:, H:2 * H])
            xp.multiply(dct * i, 1 - g * g, out=d[:, 2 * H:3 * H])
            dh = d @ W_hh
            dc = dct * f
        needs = self.needs_input_grad
        dx, dW_ih = _input_grads(dA, self.x, self.W_ih, needs[0], needs[1])
        dW_hh = _hidden_weight_grad(dA, Y[0], self.h0, self.reverse) if needs[2] else None
        db = dA.sum(axis=(0, 1)) if self.nbias and any(needs[5:]) else None
        return (dx, dW_ih, dW_hh, dh, dc, *([db] * self.nbias))


class GRUSequence(Function):
    """GRU as PyTorch: r, z = σ(W_i·x + b_i + W_h·h + b_h), n = tanh(W_in·x + b_in + r⊙(W_hn·h + b_hn)),
    h_t = (1 − z)⊙n + z⊙h_{t-1}. Inputs x, W_ih, W_hh, h0, and b_ih, b_hh or no bias; output (L, N, H)."""

    def forward(self, x, W_ih, W_hh, h0, *biases, reverse: bool = False):
        if len(biases) not in (0, 2):
            raise ValueError(f"GRUSequence takes no bias or two (b_ih, b_hh), got {len(biases)}")
        xp = get_array_module(x)
        A = _project(x, W_ih, biases[:1])  # then r, z and n in place
        L, N, H = A.shape[0], A.shape[1], W_hh.shape[1]
        Y = xp.empty((L, N, H), dtype=A.dtype)
        HN = xp.empty((L, N, H), dtype=A.dtype)  # W_hn·h + b_hn, kept for the backward
        WT, h, b_hh = W_hh.T, h0, biases[1] if biases else None
        for t in _steps(L, reverse):
            a, gh = A[t], h @ WT
            if b_hh is not None:
                gh += b_hh
            rz = a[:, :2 * H]
            rz += gh[:, :2 * H]
            _sigmoid_(rz, xp)
            n = a[:, 2 * H:]
            HN[t] = gh[:, 2 * H:]
            n += a[:, :H] * HN[t]
            xp.tanh(n, out=n)
            h_new = Y[t]
            xp.subtract(h, n, out=h_new)  # h' = n + z⊙(h − n)
            h_new *= a[:, H:2 * H]
            h_new += n
            h = h_new
        self.x, self.W_ih, self.W_hh, self.h0 = x, W_ih, W_hh, h0
        self.A, self.Y, self.HN, self.reverse, self.nbias = A, Y, HN, reverse, len(biases)
        return Y

    def backward(self, gY):
        xp = get_array_module(gY)
        A, Y, HN, W_hh = self.A, self.Y, self.HN, self.W_hh
        L, H = A.shape[0], W_hh.shape[1]
        dA, dGH = xp.empty_like(A), xp.empty_like(A)  # gradients of the input and hidden pre-activations
        dh = None
        order = list(reversed(_steps(L, self.reverse)))
        for k, t in enumerate(order):
            a, d, dgh = A[t], dA[t], dGH[t]
            r, z, n = a[:, :H], a[:, H:2 * H], a[:, 2 * H:]
            h_prev = self.h0 if k == L - 1 else Y[order[k + 1]]
            dh = gY[t] if dh is None else gY[t] + dh
            dn = d[:, 2 * H:]
            xp.multiply(dh * (1 - z), 1 - n * n, out=dn)
            xp.multiply(dh * (h_prev - n), z * (1 - z), out=d[:, H:2 * H])
            xp.multiply(dn * HN[t], r * (1 - r), out=d[:, :H])
            dgh[:, :2 * H] = d[:, :2 * H]
            xp.multiply(dn, r, out=dgh[:, 2 * H:])
            dh = dh * z
            dh += dgh @ W_hh
        needs = self.needs_input_grad
        dx, dW_ih = _input_grads(dA, self.x, self.W_ih, needs[0], needs[1])
        dW_hh = _hidden_weight_grad(dGH, Y, self.h0, self.reverse) if needs[2] else None
        if not self.nbias:
            return dx, dW_ih, dW_hh, dh
        db_ih = dA.sum(axis=(0, 1)) if needs[4] else None
        db_hh = dGH.sum(axis=(0, 1)) if needs[5] else None
        return dx, dW_ih, dW_hh, dh, db_ih, db_hh
