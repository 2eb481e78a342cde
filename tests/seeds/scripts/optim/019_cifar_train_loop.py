# Seed 001, Training a Classifier / 4. Train the network
# Needs net, criterion, optimizer and trainloader. CIFAR10 is replaced (no
# downloads) by a TensorDataset of 48 random normalized images with random
# labels, batch_size 4, shuffle=True (num_workers left at 0). The `i % 2000`
# report never fires on so few batches, so a per-epoch print was added.
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


net = Net()

import torch.optim as optim

criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)

# Stand-in for the CIFAR10 train loader (no downloads).
trainset = torch.utils.data.TensorDataset(torch.rand(48, 3, 32, 32) * 2 - 1, torch.randint(0, 10, (48,)))
trainloader = torch.utils.data.DataLoader(trainset, batch_size=4, shuffle=True)

for epoch in range(2):  # 对数据集进行多次循环

    running_loss = 0.0
    for i, data in enumerate(trainloader, 0):
        # 获取输入;数据是 [输入、标签] 列表
        inputs, labels = data

        # 参数梯度归零
        optimizer.zero_grad()

        # 前进 + 后退 + 优化
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()

        # 打印统计
        running_loss += loss.item()
        if i % 2000 == 1999:    # 每 2000 个小批量打印
            print(f'[{epoch + 1}, {i + 1:5d}] loss: {running_loss / 2000:.3f}')
            running_loss = 0.0
    print(f'[{epoch + 1}, {i + 1:5d}] loss: {running_loss / (i + 1):.3f}')

print('Finished Training')
