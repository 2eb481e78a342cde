# Seed 000, GPU加速 / 5. 多 GPU 加速 (nn.DataParallel)
# Completion: a small MyModel and `device`; without GPUs DataParallel just
# wraps the module. Added prints (repr, forward, state_dict keys).
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
model = nn.DataParallel(model)
model.to(device)

print(model)
print(model(torch.randn(2, 4)))
print(list(model.state_dict().keys()))
