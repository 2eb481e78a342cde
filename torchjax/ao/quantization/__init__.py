"""torch.ao.quantization (and torch.quantization): dynamic quantization of Linear layers.

`quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)` returns a copy of `model` whose nn.Linear layers are
`torch.ao.nn.quantized.dynamic.Linear` (printed `DynamicQuantizedLinear(...)`, as torch's): int8 weights with
per-tensor scales (torch's default qconfig) or per-channel scales (`per_channel_dynamic_qconfig`), inputs quantized
on the fly, int8 x int8 -> int32 matmul in XLA. `dtype=torch.float16` stores float16 weights. Static (calibrated)
quantization, quantization-aware training, quantized tensors and the dynamic RNN family are not implemented.
"""
import copy
import itertools
from collections import namedtuple

from ... import float16, qint8, quint8, quint4x2
from ..._qscheme import per_channel_affine, per_channel_symmetric, per_tensor_affine, per_tensor_symmetric
from ...nn.modules.module import Module

__all__ = ["quantize_dynamic", "QConfig", "QConfigDynamic", "default_dynamic_qconfig", "per_channel_dynamic_qconfig",
           "float16_dynamic_qconfig", "float_qparams_weight_only_qconfig", "default_qconfig",
           "default_per_channel_qconfig", "MinMaxObserver", "PerChannelMinMaxObserver", "PlaceholderObserver",
           "default_observer", "default_weight_observer", "default_per_channel_weight_observer",
           "default_dynamic_quant_observer", "default_placeholder_observer", "get_default_dynamic_quant_module_mappings",
           "propagate_qconfig_", "convert", "quantize", "prepare", "QuantStub", "DeQuantStub"]


class _PartialWrapper:
    def __init__(self, cls, **kwargs):
        self.cls, self.kwargs = cls, kwargs

    def __call__(self, **kwargs):
        return self.cls(**{**self.kwargs, **kwargs})

    def with_args(self, **kwargs):
        return _PartialWrapper(self.cls, **{**self.kwargs, **kwargs})

    def __repr__(self):
        return f"functools.partial(<class 'torch.ao.quantization.observer.{self.cls.__name__}'>, " + \
            ", ".join(f"{k}={v}" for k, v in self.kwargs.items()) + "){}"


class _ObserverBase(Module):
    @classmethod
    def with_args(cls, **kwargs):
        return _PartialWrapper(cls, **kwargs)

    def forward(self, x):
        return x


class PlaceholderObserver(_ObserverBase):
    def __init__(self, dtype=None, custom_op_name="", compute_dtype=None, quant_min=None, quant_max=None,
                 qscheme=None, eps=None, is_dynamic=False):
        super().__init__()
        self.dtype = float if dtype is None else dtype
        self.qscheme = per_tensor_affine if qscheme is None else qscheme
        self.quant_min, self.quant_max = quant_min, quant_max
        self.is_dynamic = is_dynamic


class MinMaxObserver(_ObserverBase):
    def __init__(self, dtype=None, qscheme=None, reduce_range=False, quant_min=None, quant_max=None, factory_kwargs=None,
                 eps=1.1920928955078125e-07, is_dynamic=False, **kwargs):
        super().__init__()
        self.dtype = quint8 if dtype is None else dtype
        self.qscheme = per_tensor_affine if qscheme is None else qscheme
        self.reduce_range = reduce_range
        self.quant_min, self.quant_max = quant_min, quant_max
        self.eps = eps
        self.is_dynamic = is_dynamic


class PerChannelMinMaxObserver(MinMaxObserver):
    def __init__(self, ch_axis=0, dtype=None, qscheme=None, **kwargs):
        super().__init__(dtype=dtype, qscheme=per_channel_affine if qscheme is None else qscheme, **kwargs)
        self.ch_axis = ch_axis


QConfig = namedtuple("QConfig", ["activation", "weight"])
QConfigDynamic = QConfig

default_observer = MinMaxObserver.with_args(quant_min=0, quant_max=127)
default_placeholder_observer = PlaceholderObserver
default_weight_observer = MinMaxObserver.with_args(dtype=qint8, qscheme=per_tensor_symmetric)
default_per_channel_weight_observer = PerChannelMinMaxObserver.with_args(dtype=qint8, qscheme=per_channel_symmetric)
default_dynamic_quant_observer = PlaceholderObserver.with_args(dtype=quint8, quant_min=0, quant_max=255,
                                                               is_dynamic=True)
default_dynamic_qconfig = QConfig(activation=default_dynamic_quant_observer, weight=default_weight_observer)
per_channel_dynamic_qconfig = QConfig(activation=default_dynamic_quant_observer,
                                      weight=default_per_channel_weight_observer)
float16_dynamic_qconfig = QConfig(activation=PlaceholderObserver.with_args(dtype=float16, is_dynamic=True),
                                  weight=PlaceholderObserver.with_args(dtype=float16))
float_qparams_weight_only_qconfig = QConfig(activation=default_placeholder_observer,
                                            weight=PerChannelMinMaxObserver.with_args(dtype=quint8))
default_qconfig = QConfig(activation=default_observer, weight=default_weight_observer)
default_per_channel_qconfig = QConfig(activation=default_observer, weight=default_per_channel_weight_observer)


def _float_linear():
    from ...nn import Linear
    return Linear


def get_default_dynamic_quant_module_mappings():
    from ..nn.quantized import dynamic as nnqd
    return {_float_linear(): nnqd.Linear}


def _unsupported_default_types():
    from ... import nn
    return (nn.LSTM, nn.GRU, nn.LSTMCell, nn.RNNCell, nn.GRUCell)


def propagate_qconfig_(module, qconfig_dict=None, prepare_custom_config_dict=None):
    """Set `.qconfig` on every submodule from `qconfig_dict` (keys: module types or qualified names)."""
    qconfig_dict = qconfig_dict or {}

    def rec(m, parent, prefix):
        q = qconfig_dict.get(type(m), parent)
        q = qconfig_dict.get(prefix, q)
        q = getattr(m, "qconfig", q) if "qconfig" in m.__dict__ else q
        m.qconfig = q
        for name, child in m.named_children():
            rec(child, q, prefix + ("." if prefix else "") + name)

    rec(module, None, "")


def convert(module, mapping=None, inplace=False, remove_qconfig=True, is_reference=False, convert_custom_config_dict=None,
            use_precomputed_fake_quant=False):
    """Swap every submodule with a qconfig whose type is in `mapping` for its quantized counterpart."""
    mapping = get_default_dynamic_quant_module_mappings() if mapping is None else mapping
    if not inplace:
        module = copy.deepcopy(module)
    _convert(module, mapping)
    if remove_qconfig:
        for m in module.modules():
            m.__dict__.pop("qconfig", None)
    return module


def _convert(module, mapping):
    unsupported = _unsupported_default_types()
    for name, child in list(module._modules.items()):
        if child is None:
            continue
        if type(child) in mapping and getattr(child, "qconfig", None) is not None:
            module._modules[name] = mapping[type(child)].from_float(child)
            continue
        if isinstance(child, unsupported) and getattr(child, "qconfig", None) is not None:
            raise NotImplementedError(f"torchjax: dynamic quantization of {type(child).__name__} is not supported "
                                      f"(only nn.Linear)")
        _convert(child, mapping)


def quantize_dynamic(model, qconfig_spec=None, dtype=qint8, mapping=None, inplace=False):
    """A copy of `model` (or `model` itself with inplace=True) with its Linear layers dynamically quantized."""
    from ... import nn
    if qconfig_spec is None:
        if dtype == qint8:
            qconfig_spec = {nn.Linear: default_dynamic_qconfig, nn.LSTM: default_dynamic_qconfig,
                            nn.GRU: default_dynamic_qconfig, nn.LSTMCell: default_dynamic_qconfig,
                            nn.RNNCell: default_dynamic_qconfig, nn.GRUCell: default_dynamic_qconfig}
        elif dtype == float16:
            qconfig_spec = {nn.Linear: float16_dynamic_qconfig, nn.LSTM: float16_dynamic_qconfig,
                            nn.GRU: float16_dynamic_qconfig, nn.LSTMCell: float16_dynamic_qconfig,
                            nn.RNNCell: float16_dynamic_qconfig, nn.GRUCell: float16_dynamic_qconfig}
        elif dtype in (quint8, quint4x2):
            raise NotImplementedError(f"torchjax: quantize_dynamic with dtype={dtype} (quantized embeddings) is not "
                                      f"supported")
        else:
            raise ValueError(f"Don't know how to quantize with default settings for {dtype}. Provide full qconfig "
                             f"please")
    elif isinstance(qconfig_spec, set):
        if dtype is qint8:
            default = default_dynamic_qconfig
        elif dtype is float16:
            default = float16_dynamic_qconfig
        elif dtype in (quint8, quint4x2):
            raise NotImplementedError(f"torchjax: quantize_dynamic with dtype={dtype} (quantized embeddings) is not "
                                      f"supported")
        else:
            raise RuntimeError("Unknown dtype specified for quantize_dynamic: ", str(dtype))
        qconfig_spec = dict(zip(qconfig_spec, itertools.repeat(default)))
    if mapping is None:
        mapping = get_default_dynamic_quant_module_mappings()
    if not inplace:
        model = copy.deepcopy(model)
    model.eval()
    propagate_qconfig_(model, qconfig_spec)
    convert(model, mapping, inplace=True)
    return model


def _static(*args, **kwargs):
    raise NotImplementedError("torchjax: static (calibrated) quantization and quantization-aware training are not "
                              "supported; use quantize_dynamic")


quantize = prepare = _static


class QuantStub(Module):
    def __init__(self, qconfig=None):
        super().__init__()
        if qconfig:
            self.qconfig = qconfig

    def forward(self, x):
        return x


class DeQuantStub(QuantStub):
    pass
