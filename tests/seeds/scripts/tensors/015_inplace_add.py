# Seed 001, Tensors / Tensor Operations / In-place operations
# Needs `tensor` from the indexing snippet.
import torch

torch.manual_seed(0)

tensor = torch.ones(4, 4)
tensor[:,1] = 0

print(tensor, "\n")
tensor.add_(5)
print(tensor)
