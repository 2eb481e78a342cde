# Seed 001, Tensors / Tensor Operations / Standard numpy-like indexing and slicing
import torch

torch.manual_seed(0)

tensor = torch.ones(4, 4)
tensor[:,1] = 0
print(tensor)
