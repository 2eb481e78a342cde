# Seed 002 (CSDN "pytorch快速入门"), 模型构建 / 1. 导入 PyTorch 库和相关的包 + 2. 定义模型类
# Indentation was lost in the seed text and is restored. Completion:
# instantiate MyModel(4, 8, 2), print it and run a forward pass.
import torch
import torch.nn as nn
import torch.optim as optim

torch.manual_seed(0)

class MyModel(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(MyModel, self).__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        out = self.fc1(x)
        out = self.relu(out)
        out = self.fc2(out)
        return out

model = MyModel(4, 8, 2)
print(model)
print(model(torch.randn(3, 4)))
