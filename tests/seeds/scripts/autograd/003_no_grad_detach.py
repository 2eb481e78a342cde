# Seed 000, 自动求导 / 4. 阻止梯度追踪 (torch.no_grad / detach)
# Needs x from 1.; added prints.
import torch

torch.manual_seed(0)

x = torch.tensor([1.0, 2.0], requires_grad=True)

with torch.no_grad():
    # 不追踪梯度的操作
    y = x + 2

# 或者
z = y.detach()

print(y, y.requires_grad, y.grad_fn)
print(z, z.requires_grad)
w = x + 2
print(w)
print(w.detach(), w.detach().requires_grad)
