# Seed 001, Bridge with NumPy / Changes in the NumPy array reflects in the tensor
# Needs n and t from "NumPy array to Tensor".
import torch
import numpy as np

torch.manual_seed(0)
np.random.seed(0)

n = np.ones(5)
t = torch.from_numpy(n)

np.add(n, 1, out=n)
print(f"t: {t}")
print(f"n: {n}")
