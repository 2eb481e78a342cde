# Seed 000, 自动求导 / 3. 计算梯度
# Needs x, y, z, out from 1./2.
import torch

torch.manual_seed(0)

x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x + 2
z = y * y * 3
out = z.mean()

out.backward()  # 计算梯度

# 获取梯度
print(x.grad)
