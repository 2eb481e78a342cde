# Seed 000, GPU加速 / 2. 将模型移动到 GPU
# Completion: `device` from 1. and a small MyModel; added prints of what
# model.to(device) returns.
import torch
import torch.nn as nn

torch.manual_seed(0)

device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')


class MyModel(nn.Module):  # 自定义模型 (completion: a small MLP)
    def __init__(self):
        super(MyModel, self).__init__()
        self.fc1 = nn.Linear(4, 8)
        self.fc2 = nn.Linear(8, 3)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))

model = MyModel()  # 自定义模型
print(model.to(device))
print(model.fc1.weight.device)
