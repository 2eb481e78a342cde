# Seed 001 (60 Minute Blitz), A Gentle Introduction to torch.autograd / Differentiation in Autograd (a, b)
# Added prints.
import torch

torch.manual_seed(0)

a = torch.tensor([2., 3.], requires_grad=True)
b = torch.tensor([6., 4.], requires_grad=True)

print(a)
print(b)
