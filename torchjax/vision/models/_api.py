"""Model weights: the WeightsEnum entries torchvision publishes (URL, file name), loading from a local file, the
torch hub cache, or a download into it; a clear error naming the file when none of those works."""
import enum
import os
import sys
import warnings
from dataclasses import dataclass, field


def _hub_checkpoint_dir():
    torch_home = os.path.expanduser(os.getenv("TORCH_HOME", os.path.join(os.getenv("XDG_CACHE_HOME", "~/.cache"),
                                                                         "torch")))
    return os.path.join(torch_home, "hub", "checkpoints")


@dataclass(eq=False)
class Weights:
    url: str
    transforms: object
    meta: dict = field(default_factory=dict)

    @property
    def filename(self):
        return os.path.basename(self.url)


class WeightsEnum(enum.Enum):
    """Members are Weights; ``DEFAULT`` aliases the recommended one."""

    @classmethod
    def verify(cls, obj):
        if obj is None or isinstance(obj, cls):
            return obj
        if isinstance(obj, str):
            name = obj.replace(cls.__name__ + ".", "")
            if name in cls.__members__:
                return cls.__members__[name]
            raise ValueError(f"Invalid weights name '{obj}' for {cls.__name__}: expected one of "
                             f"{list(cls.__members__)}")
        raise TypeError(f"Invalid Weight class provided; expected {cls.__name__} but received "
                        f"{obj.__class__.__name__}.")

    def get_state_dict(self, progress=True, check_hash=False):
        return _load_url(self.url, progress)

    def __repr__(self):
        return f"{self.__class__.__name__}.{self._name_}"

    @property
    def url(self):
        return self.value.url

    @property
    def transforms(self):
        return self.value.transforms

    @property
    def meta(self):
        return self.value.meta


def _load_file(path):
    import torchjax
    load = getattr(torchjax, "load", None)
    if load is None:
        raise NotImplementedError("torchjax.vision: loading model weights needs torch.load, which is not available "
                                  "in this build of torchjax")
    state = load(path, map_location="cpu", weights_only=True)
    if isinstance(state, dict) and "state_dict" in state and not any(k.endswith(".weight") for k in state):
        state = state["state_dict"]
    return state


def _load_url(url, progress=True):
    from ..datasets.utils import DownloadError, download_url
    directory = _hub_checkpoint_dir()
    filename = os.path.basename(url)
    path = os.path.join(directory, filename)
    if not os.path.exists(path):
        print(f'Downloading: "{url}" to {path}\n', file=sys.stderr)
        try:
            download_url(url, directory, filename)
        except (DownloadError, OSError) as e:
            raise RuntimeError(
                f"Pretrained weights '{filename}' are not available: they are not in the torch hub cache ({path}) and "
                f"downloading {url} failed ({e.__cause__ or e}). Copy {filename} to {directory}, or pass "
                f"weights='/path/to/{filename}'.") from e
    return _load_file(path)


def load_weights(model, weights, weights_enum, progress=True):
    """Load `weights` (None, a WeightsEnum member or its name, or a path to a .pth/.pt file) into `model`."""
    if weights is None:
        return model
    if isinstance(weights, (str, os.PathLike)) and (os.fspath(weights).endswith((".pth", ".pt", ".bin"))
                                                     or os.path.exists(os.fspath(weights))):
        path = os.fspath(weights)
        if not os.path.exists(path):
            raise FileNotFoundError(f"Weights file not found: {path}")
        state = _load_file(path)
    else:
        state = weights_enum.verify(weights).get_state_dict(progress=progress)
    model.load_state_dict(state)
    return model


def handle_pretrained(kwargs, weights, default):
    """torchvision's legacy ``pretrained=True`` argument."""
    if "pretrained" in kwargs:
        pretrained = kwargs.pop("pretrained")
        warnings.warn("The parameter 'pretrained' is deprecated since 0.13 and may be removed in the future, please "
                      "use 'weights' instead.", UserWarning, stacklevel=3)
        if pretrained and weights is None:
            warnings.warn("Arguments other than a weight enum or `None` for 'weights' are deprecated since 0.13 and "
                          "may be removed in the future. The current behavior is equivalent to passing "
                          f"`weights={default!r}`. You can also use `weights={default!r}` to get the most up-to-date "
                          "weights.", UserWarning, stacklevel=3)
            weights = default
    return weights


def override_num_classes(kwargs, weights):
    if weights is not None and not isinstance(weights, (str, os.PathLike)):
        categories = weights.meta.get("categories")
        if categories is not None:
            kwargs.setdefault("num_classes", len(categories))
    return kwargs
