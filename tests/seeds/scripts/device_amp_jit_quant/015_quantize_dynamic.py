# Seed 004, 5. 模型部署与量化 / 模型量化 (torch.quantization.quantize_dynamic)
# Completion: `model` is a small nn.Module with two Linear layers; added
# prints of the quantized module and of its output's shape/closeness to the
# float model (exact int8 values are not printed).
import torch
import torch.nn as nn

torch.manual_seed(0)


class MyModel(nn.Module):
    def __init__(self):
        super(MyModel, self).__init__()
        self.fc1 = nn.Linear(8, 16)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(16, 4)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x)))


model = MyModel()

quantized_model = torch.quantization.quantize_dynamic(
    model, {torch.nn.Linear}, dtype=torch.qint8
)

print(quantized_model)
x = torch.randn(5, 8)
q_out = quantized_model(x)
print(q_out.shape, q_out.dtype)
print(bool((q_out - model(x)).abs().max() < 0.1))
print(type(model.fc1).__name__)
