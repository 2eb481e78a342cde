# Seed 002, 自动微分Autograd / .grad_fn属性
# Memory addresses in the reprs are normalized by the test.
import torch

torch.manual_seed(0)

# 创建一个张量并执行一些操作
x = torch.tensor(2.0, requires_grad=True)
y = x ** 2 + 3
z = y ** 2
# 输出每个张量的 grad_fn 属性
print(x.grad_fn) # 输出: None
print(y.grad_fn) # 输出: <AddBackward0 object at 0x7f3e8bd82b10>
print(z.grad_fn) # 输出: <PowBackward0 object at 0x7f3e8bd82b10>
