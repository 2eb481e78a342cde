# Seed 001, Exclusion from the DAG (model.fc = nn.Linear(512, 10))
# Needs the frozen model; added prints.
import torch

torch.manual_seed(0)

from torchvision.models import resnet18, ResNet18_Weights
from torch import nn, optim

# ResNet18_Weights.DEFAULT would download pretrained weights: random weights instead.
model = resnet18(weights=None)

# 冻结网络中的所有参数
for param in model.parameters():
    param.requires_grad = False

model.fc = nn.Linear(512, 10)

print(model.fc)
print([n for n, p in model.named_parameters() if p.requires_grad])
