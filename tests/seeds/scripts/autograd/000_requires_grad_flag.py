# Seed 000, 自动求导 / 1. 张量的requires_grad属性
# Reconstructed [1.02.0] -> [1.0, 2.0]; added print.
import torch

torch.manual_seed(0)

# 创建一个需要梯度的张量
x = torch.tensor([1.0, 2.0], requires_grad=True)

print(x)
print(x.requires_grad, x.is_leaf, x.grad_fn)
