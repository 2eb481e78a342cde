# Seed 004 ("深度学习框架 PyTorch 进阶教程"), 1. 张量操作与自定义计算图
import torch

torch.manual_seed(0)

# 创建需要梯度追踪的张量
x = torch.tensor([2.0], requires_grad=True)
y = x ** 2 + 3 * x + 1

# 计算梯度
y.backward()
print(x.grad)  # 输出:7.0
