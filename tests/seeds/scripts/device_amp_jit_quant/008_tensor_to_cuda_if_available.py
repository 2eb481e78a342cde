# Seed 001 (60 Minute Blitz), Tensors / Tensor Operations (move to GPU if available)
# Needs `tensor` from Tensor Attributes; added a print of the device after
# the (CPU-only here) branch.
import torch

torch.manual_seed(0)

tensor = torch.rand(3, 4)

# 如果有的话,我们将张量移动到 GPU 上
if torch.cuda.is_available():
  tensor = tensor.to('cuda')
  print(f"Device tensor is stored on: {tensor.device}")

print(tensor.device)
