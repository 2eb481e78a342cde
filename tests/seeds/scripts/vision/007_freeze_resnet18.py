# Seed 001, Exclusion from the DAG (freeze all resnet18 parameters)
# Pretrained weights replaced by random ones; added print.
import torch

torch.manual_seed(0)

from torchvision.models import resnet18, ResNet18_Weights
from torch import nn, optim

# ResNet18_Weights.DEFAULT would download pretrained weights: random weights instead.
model = resnet18(weights=None)

# 冻结网络中的所有参数
for param in model.parameters():
    param.requires_grad = False

print(sum(p.requires_grad for p in model.parameters()), len(list(model.parameters())))
