"""torch.backends: flags code commonly sets (cudnn.benchmark, cuda.matmul.allow_tf32, mps availability)."""
import types


class _Flags(types.SimpleNamespace):
    pass


cudnn = _Flags(benchmark=False, deterministic=False, enabled=True, allow_tf32=True,
               is_available=lambda: False, version=lambda: None)


class _Matmul:
    @property
    def allow_tf32(self):
        from .. import _misc
        return _misc.get_float32_matmul_precision() != "highest"

    @allow_tf32.setter
    def allow_tf32(self, value):
        from .. import _misc
        _misc.set_float32_matmul_precision("high" if value else "highest")

    allow_fp16_reduced_precision_reduction = True
    allow_bf16_reduced_precision_reduction = True


cuda = _Flags(matmul=_Matmul(), is_built=lambda: False)
mps = _Flags(is_available=lambda: False, is_built=lambda: False)
mkldnn = _Flags(is_available=lambda: False, enabled=False)
openmp = _Flags(is_available=lambda: True)
opt_einsum = _Flags(enabled=True, is_available=lambda: False, strategy="auto")


class _Quantized:
    """torch.backends.quantized: the engine name is recorded (torchjax's quantized kernels are XLA's on every
    engine)."""
    supported_engines = ["qnnpack", "onednn", "x86", "fbgemm"]

    def __init__(self):
        self._engine = "x86"

    @property
    def engine(self):
        return self._engine

    @engine.setter
    def engine(self, value):
        if value not in self.supported_engines and value != "none":
            raise RuntimeError(f"quantized engine {value} is not supported")
        self._engine = value


quantized = _Quantized()
