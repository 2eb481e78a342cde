# Seed 000, 自动求导 / 2. 张量操作和计算图
# Needs x from 1.; added prints (shows grad_fn names in tensor reprs).
import torch

torch.manual_seed(0)

x = torch.tensor([1.0, 2.0], requires_grad=True)

y = x + 2
z = y * y * 3
out = z.mean()

print(y)
print(z)
print(out)
print(y.is_leaf, z.is_leaf, out.is_leaf)
