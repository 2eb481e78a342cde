# Seed 001, Differentiation in Autograd (检查收集的梯度是否正确)
# Needs a, b, Q and the backward call.
import torch

torch.manual_seed(0)

a = torch.tensor([2., 3.], requires_grad=True)
b = torch.tensor([6., 4.], requires_grad=True)
Q = 3*a**3 - b**2
external_grad = torch.tensor([1., 1.])
Q.backward(gradient=external_grad)

# 检查收集的梯度是否正确
print(9*a**2 == a.grad)
print(-2*b == b.grad)
