# Seed 000, 神经网络层 / 6. 模型的设备移动 (model.to(device))
# Needs ComplexModel and `model` from 3./4.; added prints (CPU path when no CUDA).
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

class ComplexModel(nn.Module):
    def __init__(self):
        super(ComplexModel, self).__init__()
        self.layer1 = SimpleLayer(10, 20)
        self.layer2 = MLP(20, 30, 5)

    def forward(self, x):
        x = self.layer1(x)
        x = self.layer2(x)
        return x

model = ComplexModel()

device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
print(model.to(device) is model)

print(device, repr(device), device.type, device.index)
print(next(model.parameters()).device)
