"""torch's autocast casting policies, per device type, and where each ATen op surfaces in torchjax's namespaces.

torch implements autocast as a dispatch key in front of selected ATen ops (aten/src/ATen/autocast_mode.{h,cpp});
the op lists below follow those files for torch 2.13. Policies:

- "lower": floating inputs (not float64) on the autocast device are cast to the autocast dtype (bfloat16 on the
  CPU, float16 on CUDA by default);
- "fp32": such inputs are cast to float32;
- "fp32_set_dtype": if the first input is eligible and no dtype= was given, the op runs with dtype=torch.float32
  (softmax, sum, cumsum, ...: CUDA only);
- "fp32_append_dtype": norm with dtype=torch.float32 (CUDA only);
- "promote": inputs are cast to the widest floating type among them (float32 wins over the autocast dtype);
- "banned": binary_cross_entropy on CUDA raises torch's error.

Inside an autocast-wrapped op, autocast is off (torch excludes the autocast key while the op runs), so torchjax's
own helpers never cast twice. Ops torch implements as compositions of listed ops (einsum -> bmm, cross_entropy ->
log_softmax + nll_loss on CUDA, multi-head attention -> linear + sdpa) are given the policy their composition has
in effect, because torchjax implements many of them as single kernels.
"""

# aten op name -> torchjax entry points ("torch.x": torch function, "Tensor.x": method, "F.x": torch.nn.functional,
# "linalg.x", "fft.x", "special.x"). Names without an entry map to "torch.<op>" and "Tensor.<op>" when they exist.
ENTRY_POINTS = {
    "conv1d": ["torch.conv1d", "F.conv1d"],
    "conv2d": ["torch.conv2d", "F.conv2d"],
    "conv3d": ["torch.conv3d", "F.conv3d"],
    "conv_tbc": ["torch.conv_tbc", "F.conv_tbc"],
    "conv_transpose1d": ["torch.conv_transpose1d", "F.conv_transpose1d"],
    "conv_transpose2d": ["torch.conv_transpose2d", "F.conv_transpose2d"],
    "conv_transpose3d": ["torch.conv_transpose3d", "F.conv_transpose3d"],
    "convolution": ["torch.convolution"],
    "prelu": ["torch.prelu", "F.prelu", "Tensor.prelu"],
    "linear": ["F.linear", "torch._C._nn.linear"],
    "matmul": ["torch.matmul", "Tensor.matmul", "Tensor.__matmul__", "Tensor.__rmatmul__"],
    "scaled_dot_product_attention": ["F.scaled_dot_product_attention",
                                     "torch._C._nn.scaled_dot_product_attention"],
    "multi_head_attention_forward": ["F.multi_head_attention_forward"],
    "linalg_vecdot": ["linalg.vecdot"],
    "linalg_multi_dot": ["linalg.multi_dot"],
    "avg_pool3d": ["F.avg_pool3d", "torch._C._nn.avg_pool3d"],
    "max_pool3d": ["F.max_pool3d", "torch.max_pool3d"],
    "max_unpool2d": ["F.max_unpool2d"],
    "max_unpool3d": ["F.max_unpool3d"],
    "adaptive_avg_pool3d": ["F.adaptive_avg_pool3d"],
    "adaptive_max_pool3d": ["F.adaptive_max_pool3d"],
    "fractional_max_pool2d": ["F.fractional_max_pool2d"],
    "fractional_max_pool3d": ["F.fractional_max_pool3d"],
    "pad": ["F.pad", "torch._C._nn.pad"],
    "grid_sampler": ["F.grid_sample", "torch.grid_sampler"],
    "binary_cross_entropy": ["F.binary_cross_entropy"],
    "binary_cross_entropy_with_logits": ["F.binary_cross_entropy_with_logits",
                                         "torch.binary_cross_entropy_with_logits"],
    "cross_entropy_loss": ["F.cross_entropy"],
    "nll_loss": ["F.nll_loss"],
    "mse_loss": ["F.mse_loss"],
    "l1_loss": ["F.l1_loss"],
    "smooth_l1_loss": ["F.smooth_l1_loss"],
    "huber_loss": ["F.huber_loss"],
    "kl_div": ["F.kl_div", "torch.kl_div"],
    "soft_margin_loss": ["F.soft_margin_loss"],
    "margin_ranking_loss": ["F.margin_ranking_loss", "torch.margin_ranking_loss"],
    "hinge_embedding_loss": ["F.hinge_embedding_loss", "torch.hinge_embedding_loss"],
    "cosine_embedding_loss": ["F.cosine_embedding_loss", "torch.cosine_embedding_loss"],
    "triplet_margin_loss": ["F.triplet_margin_loss", "torch.triplet_margin_loss"],
    "multi_margin_loss": ["F.multi_margin_loss"],
    "multilabel_margin_loss": ["F.multilabel_margin_loss"],
    "poisson_nll_loss": ["F.poisson_nll_loss", "torch.poisson_nll_loss"],
    "ctc_loss": ["F.ctc_loss", "torch.ctc_loss"],
    "cosine_similarity": ["F.cosine_similarity", "torch.cosine_similarity"],
    "pdist": ["F.pdist", "torch.pdist"],
    "softplus": ["F.softplus"],
    "layer_norm": ["F.layer_norm", "torch.layer_norm"],
    "group_norm": ["F.group_norm", "torch.group_norm"],
    "rms_norm": ["F.rms_norm", "torch.rms_norm"],
    "upsample": ["F.interpolate", "F.upsample", "F.upsample_bilinear", "F.upsample_nearest"],
    "softmax": ["F.softmax", "torch.softmax", "Tensor.softmax", "special.softmax"],
    "log_softmax": ["F.log_softmax", "torch.log_softmax", "Tensor.log_softmax", "special.log_softmax"],
    "softmin": ["F.softmin"],
    "linalg_vector_norm": ["linalg.vector_norm"],
    "linalg_matrix_norm": ["linalg.matrix_norm"],
    "pow": ["torch.pow", "Tensor.pow", "Tensor.__pow__", "Tensor.__rpow__"],
    "cat": ["torch.cat", "torch.concat", "torch.concatenate"],
    "polar": ["torch.polar"],
    "view_as_complex": ["torch.view_as_complex"],
    "lu_solve": ["torch.lu_solve", "Tensor.lu_solve"],
    "erfinv": ["torch.erfinv", "Tensor.erfinv", "special.erfinv"],
    "expm1": ["torch.expm1", "Tensor.expm1", "special.expm1"],
    "log1p": ["torch.log1p", "Tensor.log1p", "special.log1p"],
    "logsumexp": ["torch.logsumexp", "Tensor.logsumexp", "special.logsumexp"],
}
for _n in ("fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2", "irfft2", "rfftn", "irfftn",
           "hfft", "ihfft"):
    ENTRY_POINTS["fft_" + _n] = ["fft." + _n]
for _n in ("cond", "matrix_rank", "solve", "cholesky", "svdvals", "eigvals", "eigvalsh", "inv", "householder_product",
           "tensorinv", "tensorsolve", "qr", "cholesky_ex", "svd", "eig", "eigh", "lstsq", "inv_ex"):
    ENTRY_POINTS["linalg_" + _n] = ["linalg." + _n]


def entry_points(name):
    return ENTRY_POINTS.get(name, ["torch." + name, "Tensor." + name])


_LOSSES = ["mse_loss", "cosine_embedding_loss", "nll_loss", "hinge_embedding_loss", "poisson_nll_loss",
           "smooth_l1_loss", "l1_loss", "huber_loss", "margin_ranking_loss", "soft_margin_loss", "triplet_margin_loss",
           "multi_margin_loss", "kl_div", "multilabel_margin_loss", "binary_cross_entropy_with_logits"]

CPU = {}
CPU.update(dict.fromkeys([
    "conv1d", "conv2d", "conv3d", "bmm", "mm", "linalg_vecdot", "baddbmm", "addmm", "addbmm", "linear", "matmul",
    "conv_tbc", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "prelu", "scaled_dot_product_attention",
    # compositions of the ops above in torch
    "einsum", "tensordot", "inner", "chain_matmul", "linalg_multi_dot", "multi_head_attention_forward"], "lower"))
CPU.update(dict.fromkeys([
    "avg_pool3d", "binary_cross_entropy", "grid_sampler", "polar", "prod", "quantile", "nanquantile", "stft", "cdist",
    "trace", "view_as_complex", "cholesky", "cholesky_inverse", "cholesky_solve", "inverse", "lu_solve", "orgqr",
    "ormqr", "pinverse", "max_pool3d", "max_unpool2d", "max_unpool3d", "adaptive_avg_pool3d", "cross_entropy_loss",
    "ctc_loss", "geqrf", "qr", "svd", "triangular_solve", "fractional_max_pool2d", "fractional_max_pool3d",
    "adaptive_max_pool3d"] + _LOSSES, "fp32"))
CPU.update(dict.fromkeys(["fft_" + n for n in ("fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft",
                                               "rfft2", "irfft2", "rfftn", "irfftn", "hfft", "ihfft")], "fp32"))
CPU.update(dict.fromkeys(["linalg_" + n for n in ("cond", "matrix_rank", "solve", "cholesky", "svdvals", "eigvals",
                                                  "eigvalsh", "inv", "householder_product", "tensorinv",
                                                  "tensorsolve", "qr", "cholesky_ex", "svd", "eig", "eigh", "lstsq",
                                                  "inv_ex")], "fp32"))
CPU.update(dict.fromkeys(["stack", "cat", "index_copy"], "promote"))
CPU["pad"] = "pad_cpu"  # reflection_pad1d/2d and replication_pad1d/2d/3d are float32 ops

CUDA = {}
CUDA.update(dict.fromkeys([
    "conv1d", "conv2d", "conv3d", "conv_tbc", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
    "convolution", "prelu", "addmm", "addmv", "addr", "matmul", "einsum", "mm", "mv", "linalg_vecdot", "linear",
    "addbmm", "baddbmm", "bmm", "chain_matmul", "linalg_multi_dot", "lstm_cell", "gru_cell", "rnn_tanh_cell",
    "rnn_relu_cell", "scaled_dot_product_attention",
    # compositions: tensordot/inner -> mm, multi-head attention -> linear + sdpa/bmm
    "inner", "multi_head_attention_forward"], "lower"))
CUDA.update(dict.fromkeys([
    "acos", "asin", "cosh", "erfinv", "exp", "expm1", "log", "log10", "log2", "log1p", "reciprocal", "rsqrt", "sinh",
    "tan", "pow", "softplus", "layer_norm", "rms_norm", "group_norm", "nuclear_norm", "cosine_similarity", "dist",
    "pdist", "cdist", "renorm", "logsumexp", "upsample",
    # compositions: cross_entropy = log_softmax (float32) + nll_loss (float32); softmin = softmax(-x)
    "cross_entropy_loss"] + _LOSSES, "fp32"))
CUDA.update(dict.fromkeys(["prod", "softmax", "log_softmax", "softmin", "cumprod", "cumsum", "linalg_vector_norm",
                           "linalg_matrix_norm", "sum"], "fp32_set_dtype"))
CUDA["norm"] = "fp32_append_dtype"
CUDA.update(dict.fromkeys(["addcdiv", "addcmul", "atan2", "bilinear", "cross", "dot", "vdot", "grid_sampler",
                           "index_put", "tensordot", "scatter_add"], "promote"))
CUDA["binary_cross_entropy"] = "banned"

POLICIES = {"cpu": CPU, "cuda": CUDA}

# positional index of the dtype argument of the fp32_set_dtype ops, per entry point (None: keyword-only)
DTYPE_POSITION = {"F.softmax": 3, "F.log_softmax": 3, "F.softmin": 3, "torch.softmax": 2, "torch.log_softmax": 2,
                  "Tensor.softmax": 2, "Tensor.log_softmax": 2, "special.softmax": 2, "special.log_softmax": 2,
                  "torch.norm": 4, "Tensor.norm": 4}

BCE_BANNED = ("torch.nn.functional.binary_cross_entropy and torch.nn.BCELoss are unsafe to autocast.\n"
              "Many models use a sigmoid layer right before the binary cross entropy layer.\n"
              "In this case, combine the two layers using torch.nn.functional.binary_cross_entropy_with_logits\n"
              "or torch.nn.BCEWithLogitsLoss.  binary_cross_entropy_with_logits and BCEWithLogits are\n"
              "safe to autocast.")


def all_op_names():
    names = set()
    for table in POLICIES.values():
        names.update(table)
    return names
