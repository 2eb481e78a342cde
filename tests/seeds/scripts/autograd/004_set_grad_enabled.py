# Seed 000, 自动求导 / 5. 使用with torch.autograd.set_grad_enabled(False):控制梯度计算
# Needs x from 1.; added prints.
import torch

torch.manual_seed(0)

x = torch.tensor([1.0, 2.0], requires_grad=True)

with torch.autograd.set_grad_enabled(False):
    # 在此处的操作不会被追踪,也不会计算梯度
    y = x + 2

print(y, y.requires_grad)
print(torch.is_grad_enabled())
