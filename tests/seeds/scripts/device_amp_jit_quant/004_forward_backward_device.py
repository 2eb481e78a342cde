# Seed 000, GPU加速 / 4. 在 GPU 上执行前向传播和反向传播
# Completion: MyModel on `device`, CrossEntropyLoss, SGD lr=0.1 and a batch
# of inputs/labels; added prints.
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

model = MyModel().to(device)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
inputs = torch.randn(5, 4).to(device)
labels = torch.tensor([0, 1, 2, 1, 0]).to(device)

outputs = model(inputs)
loss = criterion(outputs, labels)

optimizer.zero_grad()
loss.backward()
optimizer.step()

print(outputs)
print(loss)
print(model.fc2.bias)
