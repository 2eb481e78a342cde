"""The model definitions' structure (state_dict keys, order, shapes, parameter counts) against torchvision's layouts,
checked with a shape-recording stand-in for torch.nn in a throwaway interpreter, so it runs before (and
independently of) torchjax.nn. test_vision_models.py checks the real modules once torchjax.nn exists."""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

CODE = f"""
import sys
sys.path[:0] = [{HERE!r}, {ROOT!r}]
import _fake_nn
_fake_nn.install()
import _model_specs
from torchjax.vision import models
for name, (spec, num_params) in _model_specs.CASES.items():
    model = getattr(models, name)()
    got = [(k, v.shape) for k, v in model.state_dict().items()]
    exp = spec()
    if got != exp:
        diff = next((i, g, e) for i, (g, e) in enumerate(zip(got + [None] * len(exp), exp + [None] * len(got)))
                    if g != e)
        raise SystemExit(f"{{name}}: first difference at {{diff}} ({{len(got)}} keys, expected {{len(exp)}})")
    n = sum(p.numel() for p in model.parameters())
    if n != num_params:
        raise SystemExit(f"{{name}}: {{n}} parameters, torchvision has {{num_params}}")
print("structure ok")
"""


def test_model_structure_matches_torchvision_layouts():
    res = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, (res.stdout + res.stderr)[-3000:]
    assert "structure ok" in res.stdout
