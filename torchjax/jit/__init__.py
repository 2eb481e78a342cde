"""torch.jit on torchjax: TorchScript-shaped compilation and export on JAX's machinery.

- `torch.jit.script(module)` / `torch.jit.trace(module, example_inputs)` return a `RecursiveScriptModule` /
  `TopLevelTracedModule` that shares the module's parameters and buffers and whose calls run compiled (one XLA
  computation per input signature, as `torch.compile`; see `torchjax/_compile`). They print as torch's do.
- `.save(path)` / `torch.jit.save(m, path)` exports the forward with `jax.export` (StableHLO, with its VJP so a
  loaded module is differentiable) and stores it with the weights; `torch.jit.load(path)` rebuilds a module from the
  file alone (no Python class needed) and runs the exported computation.

The file is NOT PyTorch's TorchScript format (a zip of TorchScript code and pickled constants): it is a zip holding
`torchjax_jit/exported.bin` (a serialized `jax.export.Exported`), `torchjax_jit/weights.pt` (the state, in torch's
checkpoint format) and `torchjax_jit/meta.json`. PyTorch cannot read it and torchjax cannot read PyTorch's
TorchScript archives (loading one raises NotImplementedError).

Shapes: the export is shape-polymorphic in the leading (batch) dimension of every tensor argument when the forward
allows it, and specialised to the example shapes otherwise. The input signature comes from `trace`'s example
inputs, `script(..., example_inputs=[(x,)])`, the first call of the scripted module, or, when the module was
never called, from its first layer (`in_features` of a Linear, `num_embeddings` of an Embedding).
"""
from ._script import (Attribute, CompilationUnit, Final, RecursiveScriptModule, ScriptFunction,  # noqa: F401
                      ScriptModule, TopLevelTracedModule, TracedModule, annotate, export, fork, freeze, ignore,
                      interface, is_scripting, is_tracing, isinstance, optimize_for_inference, script, script_if_tracing,
                      trace, trace_module, unused, wait, script_method, enable_onednn_fusion, onednn_fusion_enabled,
                      set_fusion_strategy, strict_fusion)
from ._serialization import load, save  # noqa: F401

__all__ = ["Attribute", "CompilationUnit", "Final", "RecursiveScriptModule", "ScriptFunction", "ScriptModule",
           "TopLevelTracedModule", "TracedModule", "annotate", "export", "fork", "freeze", "ignore", "interface",
           "is_scripting", "is_tracing", "isinstance", "load", "optimize_for_inference", "save", "script",
           "script_if_tracing", "script_method", "trace", "trace_module", "unused", "wait"]
