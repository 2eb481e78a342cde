"""torch.return_types: the named tuples ops like max(dim), sort, topk return, printed as torch prints them."""
import collections


def _structseq(name, fields):
    base = collections.namedtuple(name, fields)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self))
        return f"torch.return_types.{name}(\n{body})"

    def __reduce__(self):
        return (cls, (tuple(self),))

    def __new__(c, *args, **kwargs):
        if len(args) == 1 and not kwargs and isinstance(args[0], (tuple, list)) and len(args[0]) == len(fields):
            args = tuple(args[0])
        return base.__new__(c, *args, **kwargs)

    cls = type(name, (base,), {"__repr__": __repr__, "__str__": __repr__, "__reduce__": __reduce__,
                               "__new__": __new__, "__module__": "torch.return_types", "__slots__": ()})
    return cls


_VI = ("values", "indices")
max = _structseq("max", _VI)  # noqa: A001
min = _structseq("min", _VI)  # noqa: A001
sort = _structseq("sort", _VI)
topk = _structseq("topk", _VI)
kthvalue = _structseq("kthvalue", _VI)
median = _structseq("median", _VI)
nanmedian = _structseq("nanmedian", _VI)
mode = _structseq("mode", _VI)
cummax = _structseq("cummax", _VI)
cummin = _structseq("cummin", _VI)
aminmax = _structseq("aminmax", ("min", "max"))
std_mean = tuple
var_mean = tuple
slogdet = _structseq("slogdet", ("sign", "logabsdet"))
linalg_slogdet = _structseq("linalg_slogdet", ("sign", "logabsdet"))
qr = _structseq("qr", ("Q", "R"))
linalg_qr = _structseq("linalg_qr", ("Q", "R"))
svd = _structseq("svd", ("U", "S", "V"))
linalg_svd = _structseq("linalg_svd", ("U", "S", "Vh"))
linalg_eigh = _structseq("linalg_eigh", ("eigenvalues", "eigenvectors"))
linalg_eig = _structseq("linalg_eig", ("eigenvalues", "eigenvectors"))
linalg_inv_ex = _structseq("linalg_inv_ex", ("inverse", "info"))
linalg_cholesky_ex = _structseq("linalg_cholesky_ex", ("L", "info"))
linalg_lstsq = _structseq("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))
linalg_lu = _structseq("linalg_lu", ("P", "L", "U"))
linalg_lu_factor = _structseq("linalg_lu_factor", ("LU", "pivots"))
linalg_solve_ex = _structseq("linalg_solve_ex", ("result", "info"))
linalg_ldl_factor = _structseq("linalg_ldl_factor", ("LD", "pivots"))
frexp = _structseq("frexp", ("mantissa", "exponent"))
histogram = _structseq("histogram", ("hist", "bin_edges"))
geqrf = _structseq("geqrf", ("a", "tau"))
triangular_solve = _structseq("triangular_solve", ("solution", "cloned_coefficient"))
lu_unpack = _structseq("lu_unpack", ("P", "L", "U"))
histogramdd = _structseq("histogramdd", ("hist", "bin_edges"))
linalg_lu_factor_ex = _structseq("linalg_lu_factor_ex", ("LU", "pivots", "info"))
linalg_ldl_factor_ex = _structseq("linalg_ldl_factor_ex", ("LD", "pivots", "info"))
