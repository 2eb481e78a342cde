"""Models the tests build under both torch and torchjax."""


def blitz_lenet(lib, dropout=None):
    """The blitz tutorial's CIFAR10 network; `dropout` adds nn.Dropout(p) after fc1's ReLU."""
    nn, F = lib.nn, lib.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 5)
            self.pool = nn.MaxPool2d(2, 2)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.drop = nn.Dropout(dropout) if dropout is not None else None
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = self.pool(F.relu(self.conv1(x)))
            x = self.pool(F.relu(self.conv2(x)))
            x = lib.flatten(x, 1)
            x = F.relu(self.fc1(x))
            if self.drop is not None:
                x = self.drop(x)
            x = F.relu(self.fc2(x))
            return self.fc3(x)
    return Net()
