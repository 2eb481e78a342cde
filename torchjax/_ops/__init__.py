"""Op families. Importing this package registers every op (torch functions and Tensor methods)."""


def load():
    from . import (blas, conversion, creation, indexing, pointwise, random_ops, reduction, shape_views,  # noqa: F401
                   sort, shape_ops, scans, stats, special, linalg, linalg_solve, fft, misc_ops, spectral,
                   aten_ops)
    from . import (nn_activation, nn_attention, nn_conv, nn_distance, nn_dropout, nn_linear,  # noqa: F401
                   nn_loss, nn_norm, nn_pooling, nn_rnn, nn_sparse, nn_vision)
