# Seed 001, Differentiation in Autograd (Q = 3*a**3 - b**2)
# Needs a, b; added print (shows grad_fn=<SubBackward0>).
import torch

torch.manual_seed(0)

a = torch.tensor([2., 3.], requires_grad=True)
b = torch.tensor([6., 4.], requires_grad=True)

Q = 3*a**3 - b**2

print(Q)
