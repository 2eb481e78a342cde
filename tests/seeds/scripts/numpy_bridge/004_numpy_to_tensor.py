# Seed 001, Bridge with NumPy / NumPy array to Tensor
# Added prints.
import torch
import numpy as np

torch.manual_seed(0)
np.random.seed(0)

n = np.ones(5)
t = torch.from_numpy(n)

print(f"t: {t}")
print(f"n: {n}")
