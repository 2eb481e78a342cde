# Seed 000, 神经网络层 / 1. 创建一个简单的神经网络层
# Completion: instantiate SimpleLayer(10, 20), print it and run a forward pass.
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

layer = SimpleLayer(10, 20)
print(layer)
out = layer(torch.randn(2, 10))
print(out.shape)
print(out)
