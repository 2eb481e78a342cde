# Seed 001, Differentiation in Autograd (Q.backward(gradient=external_grad))
# Needs a, b, Q; added prints of the gradients.
import torch

torch.manual_seed(0)

a = torch.tensor([2., 3.], requires_grad=True)
b = torch.tensor([6., 4.], requires_grad=True)
Q = 3*a**3 - b**2

external_grad = torch.tensor([1., 1.])
Q.backward(gradient=external_grad)

print(a.grad)
print(b.grad)
