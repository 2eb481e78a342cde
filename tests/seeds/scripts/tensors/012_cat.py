# Seed 001, Tensors / Tensor Operations / Joining tensors (torch.cat)
# Needs `tensor` from the indexing snippet.
import torch

torch.manual_seed(0)

tensor = torch.ones(4, 4)
tensor[:,1] = 0

t1 = torch.cat([tensor, tensor, tensor], dim=1)
print(t1)
