# Seed 001 (60 Minute Blitz), Training a Classifier / 4. Train the network (save the trained model)
# Needs `net` (untrained here: the training loop is optim/019); added prints.
import os
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

PATH = './cifar_net.pth'
torch.save(net.state_dict(), PATH)

print(os.path.exists(PATH))
print([(k, tuple(v.shape)) for k, v in torch.load(PATH).items()])
