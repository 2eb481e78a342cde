# Seed 001, Bridge with NumPy / Tensor to NumPy array
import torch
import numpy as np

torch.manual_seed(0)
np.random.seed(0)

t = torch.ones(5)
print(f"t: {t}")
n = t.numpy()
print(f"n: {n}")
