# Seed 000, GPU加速 / 3. 将张量移动到 GPU
# Completion: `data` is the first batch of a DataLoader over a small
# TensorDataset (as the snippet's comment says); added prints.
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

loader = torch.utils.data.DataLoader(
    torch.utils.data.TensorDataset(torch.randn(6, 4), torch.randint(0, 3, (6,))), batch_size=3)
data = next(iter(loader))

inputs, labels = data  # 假设 data 是从数据加载器中获取的一批数据
inputs, labels = inputs.to(device), labels.to(device)

print(inputs)
print(labels, labels.device)
print(inputs.to(device) is inputs)
