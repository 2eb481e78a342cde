# Seed 000, GPU加速 / 6. 在 GPU 上保存和加载模型
# Completion: a small MyModel and `device`; added prints.
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

model = MyModel()

# 保存模型到 GPU
torch.save(model.state_dict(), 'model.pth')

# 加载模型到 GPU
print(model.load_state_dict(torch.load('model.pth')))
model.to(device)

print(model.fc2.weight)
