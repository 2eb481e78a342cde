# Seed 002, 损失函数 / 完整的示例代码 (MSELoss 训练 MyModel 10 个 epoch)
# Indentation was lost in the seed text and is restored; otherwise unchanged.
import torch
import torch.nn as nn

torch.manual_seed(0)

# 定义模型
class MyModel(nn.Module):
    def __init__(self):
        super(MyModel, self).__init__()
        self.fc = nn.Linear(10, 1)

    def forward(self, x):
        out = self.fc(x)
        return out

# 实例化模型和损失函数
model = MyModel()
criterion = nn.MSELoss()

# 模拟数据
inputs = torch.randn(100, 10)
labels = torch.randn(100, 1)

# 训练模型
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
for epoch in range(10):
    optimizer.zero_grad()
    outputs = model(inputs)
    loss = criterion(outputs, labels)
    loss.backward()
    optimizer.step()
    print('Epoch:', epoch+1, 'Loss:', loss.item())
