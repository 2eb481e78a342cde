# Seed 002, 自动微分Autograd / 简单示例 (z = x ** 2 + y ** 3)
import torch

torch.manual_seed(0)

# 创建张量并设置 requires_grad=True
x = torch.tensor(3.0, requires_grad=True)
y = torch.tensor(4.0, requires_grad=True)
# 执行一些操作
z = x ** 2 + y ** 3
# 计算 z 相对于 x 和 y 的梯度
z.backward()
# 输出梯度值
print(x.grad) # 输出: tensor(6.)
print(y.grad) # 输出: tensor(48.)
