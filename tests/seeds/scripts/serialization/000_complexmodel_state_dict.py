# Seed 000, 神经网络层 / 5. 模型的保存和加载 (state_dict of ComplexModel)
# Needs ComplexModel and `model` from 3./4. Added prints: the result of
# load_state_dict, the saved keys, and that the weights round-tripped.
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

# 保存模型
torch.save(model.state_dict(), 'model.pth')

# 加载模型
loaded_model = ComplexModel()
print(loaded_model.load_state_dict(torch.load('model.pth')))

print(list(torch.load('model.pth').keys()))
x = torch.randn(2, 10)
print(torch.equal(model(x), loaded_model(x)))
print(all(torch.equal(a, b) for a, b in zip(model.parameters(), loaded_model.parameters())))
