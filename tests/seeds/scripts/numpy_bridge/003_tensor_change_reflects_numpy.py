# Seed 001, Bridge with NumPy / A change in the tensor reflects in the NumPy array
# Needs t and n from "Tensor to NumPy array".
import torch
import numpy as np

torch.manual_seed(0)
np.random.seed(0)

t = torch.ones(5)
n = t.numpy()

t.add_(1)
print(f"t: {t}")
print(f"n: {n}")
