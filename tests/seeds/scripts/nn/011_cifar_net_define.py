# Seed 001, Training a Classifier / 2. Define a Convolutional Neural Network (3-channel Net)
# Added print(net) and a forward pass on a random batch, printed to 3 decimals (float32 sums in another order
# differ in the last bits, which the default 4-digit scientific format would show).
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
        x = torch.flatten(x, 1) # 将除批次外的所有尺寸压平
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


net = Net()
print(net)
out = net(torch.randn(2, 3, 32, 32))
print(out.shape)
print(out.round(decimals=3))
