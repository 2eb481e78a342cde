# Seed 001, Training a Classifier / Training on GPU (inputs and labels to device)
# Needs `data` (a [inputs, labels] batch from the train loader; here from a
# TensorDataset stand-in for CIFAR10) and `device`; added prints.
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
device = torch.device('cuda:0' if torch.cuda.is_available() else 'cpu')
trainloader = torch.utils.data.DataLoader(
    torch.utils.data.TensorDataset(torch.rand(8, 3, 32, 32) * 2 - 1, torch.randint(0, 10, (8,))), batch_size=4)
data = next(iter(trainloader))

inputs, labels = data[0].to(device), data[1].to(device)

print(type(data).__name__, len(data))
print(inputs.shape, inputs.device, labels)
print(net.to(device)(inputs).argmax(1))
