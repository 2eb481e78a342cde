"""vision.models: state_dict keys (names, order, shapes) equal torchvision's published layouts, written here from
the architecture definitions (the spec), plus torchvision's published parameter counts. Needs torchjax.nn."""
import os

import numpy as np
import pytest

nn = pytest.importorskip("torchjax.nn")
if not all(hasattr(nn, n) for n in ("Conv2d", "BatchNorm2d", "MaxPool2d", "AdaptiveAvgPool2d", "Linear", "Dropout",
                                    "ReLU6", "LayerNorm", "GELU", "MultiheadAttention")):
    pytest.skip("torchjax.nn lacks layers the models need", allow_module_level=True)

import torchjax  # noqa: E402
from torchjax.vision import models  # noqa: E402


from _model_specs import CASES  # noqa: E402


@pytest.mark.parametrize("name", list(CASES))
def test_state_dict_keys_and_shapes_match_torchvision(name):
    spec, num_params = CASES[name]
    model = getattr(models, name)()
    got = [(k, tuple(v.shape)) for k, v in model.state_dict().items()]
    assert got == spec()
    assert sum(p.numel() for p in model.parameters()) == num_params  # torchvision's published count


def test_resnet18_forward_shape():
    model = models.resnet18(num_classes=7).eval()
    with torchjax.no_grad():
        out = model(torchjax.rand(2, 3, 64, 64))
    assert tuple(out.shape) == (2, 7)


def test_weights_from_local_path_and_missing_file_error(tmp_path, monkeypatch):
    save = getattr(torchjax, "save", None)
    if save is None:
        pytest.skip("torch.save not available")
    src = models.alexnet(num_classes=3)
    path = tmp_path / "alexnet-local.pth"
    save(src.state_dict(), str(path))
    loaded = models.alexnet(num_classes=3, weights=str(path))
    for (k, a), b in zip(src.state_dict().items(), loaded.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "home"))

    def offline(*a, **k):
        import urllib.error
        raise urllib.error.URLError("offline")
    monkeypatch.setattr("urllib.request.urlopen", offline)
    with pytest.raises(RuntimeError, match="resnet18-f37072fd.pth") as ei:
        models.resnet18(weights=models.ResNet18_Weights.DEFAULT)
    assert os.path.join("hub", "checkpoints") in str(ei.value)


def test_weights_enum():
    w = models.ResNet18_Weights.DEFAULT
    assert w is models.ResNet18_Weights.IMAGENET1K_V1
    assert w.url == "https://download.pytorch.org/models/resnet18-f37072fd.pth"
    assert models.ResNet50_Weights.verify("DEFAULT") is models.ResNet50_Weights.IMAGENET1K_V2
    preprocess = w.transforms()
    out = preprocess(torchjax.rand(3, 300, 280))
    assert tuple(out.shape) == (3, 224, 224)
