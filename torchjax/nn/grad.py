"""torch.nn.grad: gradients of conv{1,2,3}d with respect to their input and weight.

torch calls aten.convolution_backward; here the same gradient comes from the autograd graph of the convolution
(so the result is itself differentiable w.r.t. weight/input and grad_output when those require grad)."""
from .. import autograd
from .._ops.creation import zeros
from ..autograd.grad_mode import enable_grad, is_grad_enabled
from .modules.utils import _pair, _single, _triple
from . import functional as F

__all__ = ["conv1d_input", "conv1d_weight", "conv2d_input", "conv2d_weight", "conv3d_input", "conv3d_weight"]


def _conv_input(conv, tup, input_size, weight, grad_output, stride, padding, dilation, groups):
    create = is_grad_enabled() and (weight.requires_grad or grad_output.requires_grad)
    x = zeros(tuple(input_size), dtype=grad_output.dtype, device=grad_output.device, requires_grad=True)
    with enable_grad():
        w = weight if create else weight.detach()
        out = conv(x, w, None, tup(stride), tup(padding), tup(dilation), groups)
        return autograd.grad(out, x, grad_output, create_graph=create)[0]


def _conv_weight(conv, tup, input, weight_size, grad_output, stride, padding, dilation, groups):
    create = is_grad_enabled() and (input.requires_grad or grad_output.requires_grad)
    w = zeros(tuple(weight_size), dtype=grad_output.dtype, device=grad_output.device, requires_grad=True)
    with enable_grad():
        x = input if create else input.detach()
        out = conv(x, w, None, tup(stride), tup(padding), tup(dilation), groups)
        return autograd.grad(out, w, grad_output, create_graph=create)[0]


def conv1d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """Gradient of conv1d with respect to its input (of shape input_size)."""
    return _conv_input(F.conv1d, _single, input_size, weight, grad_output, stride, padding, dilation, groups)


def conv1d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """Gradient of conv1d with respect to its weight (of shape weight_size)."""
    return _conv_weight(F.conv1d, _single, input, weight_size, grad_output, stride, padding, dilation, groups)


def conv2d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """Gradient of conv2d with respect to its input (of shape input_size)."""
    return _conv_input(F.conv2d, _pair, input_size, weight, grad_output, stride, padding, dilation, groups)


def conv2d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """Gradient of conv2d with respect to its weight (of shape weight_size)."""
    return _conv_weight(F.conv2d, _pair, input, weight_size, grad_output, stride, padding, dilation, groups)


def conv3d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """Gradient of conv3d with respect to its input (of shape input_size)."""
    return _conv_input(F.conv3d, _triple, input_size, weight, grad_output, stride, padding, dilation, groups)


def conv3d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """Gradient of conv3d with respect to its weight (of shape weight_size)."""
    return _conv_weight(F.conv3d, _triple, input, weight_size, grad_output, stride, padding, dilation, groups)
