# Seed 002, 自动微分Autograd / .grad 属性
import torch

torch.manual_seed(0)

# 创建张量并设置 requires_grad=True
a = torch.tensor(5.0, requires_grad=True)
b = torch.tensor(3.0, requires_grad=True)
c = torch.tensor(2.0, requires_grad=True)
u = b*c
v = a+u
j = 3*v
# 执行反向传播计算梯度
j.backward()
# 输出梯度值
print(a.grad) # 输出: tensor(3.)
print(b.grad) # 输出: tensor(6.)
print(c.grad) # 输出: tensor(9.)
