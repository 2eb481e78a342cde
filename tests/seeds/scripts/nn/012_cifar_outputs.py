# Seed 001, Training a Classifier / 5. Test the network (outputs = net(images))
# Needs net and `images` from the test loader (stand-ins below); added print.
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

# Stand-in for the CIFAR10 test loader (no downloads): 40 random images in
# [-1, 1] (as after Normalize), every class 4 times, batch_size 4, no shuffle.
classes = ('plane', 'car', 'bird', 'cat',
           'deer', 'dog', 'frog', 'horse', 'ship', 'truck')
testset = torch.utils.data.TensorDataset(torch.rand(40, 3, 32, 32) * 2 - 1, torch.arange(40) % 10)
testloader = torch.utils.data.DataLoader(testset, batch_size=4, shuffle=False)
# `net` stands in for the trained net reloaded from PATH (randomly initialised here).
dataiter = iter(testloader)
images, labels = next(dataiter)

outputs = net(images)

print(outputs)
