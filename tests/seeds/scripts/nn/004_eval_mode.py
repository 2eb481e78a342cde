# Seed 000, 模型评估 / 1. 设置模型为评估模式 (model.eval())
# Completion: `model` is a small MLP with Dropout; prints the training flags
# and shows that eval() makes the forward pass deterministic.
import torch
import torch.nn as nn

torch.manual_seed(0)

model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 3))
x = torch.randn(2, 8)
print(model.training, model[2].training)
print(model(x))

model.eval()

print(model.training, model[2].training)
print(torch.equal(model(x), model(x)))
print(model(x))
print(model.train() is model, model.training)
