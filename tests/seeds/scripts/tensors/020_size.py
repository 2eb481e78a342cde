# Seed 002, 张量维度 (x.size())
# The snippet uses `t` without defining it: added `import torch as t`.
import torch
import torch as t

torch.manual_seed(0)

x = t.rand(5, 3)
print(x.size()) # 查看x的形状
print(x.size()[0]) # 查看行的个数
print(x.size(0)) # 查看行的个数
print(x.size()[1]) # 查看列的个数
print(x.size(1)) # 查看列的个数
