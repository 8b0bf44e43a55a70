"""The graph machinery: Function (one op), the backward engine, grad mode, gradcheck."""

from .function import Function
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckReport, gradcheck

__all__ = ["Function", "GradcheckReport", "enable_grad", "gradcheck", "inference_mode", "is_grad_enabled", "no_grad",
           "set_grad_enabled"]
