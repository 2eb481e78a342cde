# Seed 000, 自动求导 / 6. 示例:使用自动求导进行优化 (optim.SGD on a leaf tensor, 100 steps)
# Reconstructed [1.02.0] -> [1.0, 2.0].
import torch

torch.manual_seed(0)

import torch.optim as optim

# 定义一个变量并设置需要梯度
x = torch.tensor([1.0, 2.0], requires_grad=True)

# 定义一个优化器(例如梯度下降)
optimizer = optim.SGD([x], lr=0.01)

# 在循环中执行优化步骤
for _ in range(100):
    y = x + 2
    loss = y[0] * y[1]  # 这里定义了一个简单的损失函数

    optimizer.zero_grad()  # 清零梯度
    loss.backward()  # 计算梯度
    optimizer.step()  # 更新参数

# 查看优化后的结果
print(x)
