# Seed 000, 神经网络层 / 2. 构建更复杂的模型 (MLP)
# Needs SimpleLayer from 1.; completion: instantiate MLP(10, 20, 5), print it
# and run a forward pass.
import torch
import torch.nn as nn

torch.manual_seed(0)

class SimpleLayer(nn.Module):
    def __init__(self, input_size, output_size):
        super(SimpleLayer, self).__init__()
        self.linear = nn.Linear(input_size, output_size)
        self.relu = nn.ReLU()

    def forward(self, x):
        x = self.linear(x)
        x = self.relu(x)
        return x

class MLP(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(MLP, self).__init__()
        self.layer1 = SimpleLayer(input_size, hidden_size)
        self.layer2 = SimpleLayer(hidden_size, output_size)

    def forward(self, x):
        x = self.layer1(x)
        x = self.layer2(x)
        return x

mlp = MLP(10, 20, 5)
print(mlp)
print(mlp(torch.randn(3, 10)))
