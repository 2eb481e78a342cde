"""A stand-in for torch.nn that only records parameter and buffer shapes, in registration order (as state_dict
does). Used to check the model definitions' structure against the spec before torchjax.nn exists; never a model
runtime."""
import collections
import math
import sys
import types


class _Shape:
    def __init__(self, shape):
        self.shape = tuple(int(s) for s in shape)

    def numel(self):
        return math.prod(self.shape)


class Parameter(_Shape):
    def __init__(self, data=None, requires_grad=True):
        super().__init__(tuple(data.shape) if data is not None else ())


class Module:
    def __init__(self):
        object.__setattr__(self, "_entries", collections.OrderedDict())

    def __setattr__(self, name, value):
        if isinstance(value, (Module, Parameter)):
            self._entries[name] = value
        elif name in self.__dict__.get("_entries", {}) and value is None:
            self._entries.pop(name)
        object.__setattr__(self, name, value)

    def register_buffer(self, name, shape):
        self._entries[name] = _Shape(shape)
        object.__setattr__(self, name, self._entries[name])

    def modules(self):
        yield self
        for v in self._entries.values():
            if isinstance(v, Module):
                yield from v.modules()

    def state_dict(self, prefix=""):
        """torch's order: own parameters, own buffers, then each child module's state."""
        out = collections.OrderedDict()
        entries = list(self._entries.items())
        for kind in (Parameter, _Shape):
            for k, v in entries:
                if isinstance(v, _Shape) and (type(v) is kind):
                    out[prefix + k] = v
        for k, v in entries:
            if isinstance(v, Module):
                out.update(v.state_dict(prefix + k + "."))
        return out

    def parameters(self):
        for k, v in self._entries.items():
            if isinstance(v, Module):
                yield from v.parameters()
            elif isinstance(v, Parameter):
                yield v


class Sequential(Module):
    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], collections.OrderedDict):
            for k, v in args[0].items():
                setattr(self, k, v)
        else:
            for i, v in enumerate(args):
                setattr(self, str(i), v)


class ModuleList(Sequential):
    pass


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


class Conv2d(Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _pair(kernel_size)
        self.weight = Parameter(_Shape((out_channels, in_channels // groups) + self.kernel_size))
        self.bias = Parameter(_Shape((out_channels,))) if bias else None


class Linear(Module):
    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(_Shape((out_features, in_features)))
        self.bias = Parameter(_Shape((out_features,))) if bias else None


class BatchNorm2d(Module):
    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        super().__init__()
        self.weight = Parameter(_Shape((num_features,)))
        self.bias = Parameter(_Shape((num_features,)))
        self.register_buffer("running_mean", (num_features,))
        self.register_buffer("running_var", (num_features,))
        self.register_buffer("num_batches_tracked", ())


class GroupNorm(Module):
    pass


class LayerNorm(Module):
    def __init__(self, normalized_shape, eps=1e-5):
        super().__init__()
        self.weight = Parameter(_Shape((normalized_shape,)))
        self.bias = Parameter(_Shape((normalized_shape,)))


class MultiheadAttention(Module):
    def __init__(self, embed_dim, num_heads, dropout=0.0, batch_first=False):
        super().__init__()
        self.in_proj_weight = Parameter(_Shape((3 * embed_dim, embed_dim)))
        self.in_proj_bias = Parameter(_Shape((3 * embed_dim,)))
        self.out_proj = Linear(embed_dim, embed_dim)


def _stateless(name):
    def __init__(self, *args, **kwargs):
        Module.__init__(self)
    return type(name, (Module,), {"__init__": __init__})


ReLU, ReLU6, GELU, Tanh, Dropout, MaxPool2d, AdaptiveAvgPool2d = (
    _stateless(n) for n in ("ReLU", "ReLU6", "GELU", "Tanh", "Dropout", "MaxPool2d", "AdaptiveAvgPool2d"))


def _noop(*args, **kwargs):
    return args[0] if args else None


init = types.SimpleNamespace(kaiming_normal_=_noop, constant_=_noop, normal_=_noop, zeros_=_noop, ones_=_noop,
                             xavier_uniform_=_noop, trunc_normal_=_noop)
functional = types.SimpleNamespace()


def install():
    """Make `torchjax.nn` this module (for a throwaway interpreter)."""
    import torchjax
    mod = sys.modules[__name__]
    sys.modules["torchjax.nn"] = mod
    torchjax.nn = mod
