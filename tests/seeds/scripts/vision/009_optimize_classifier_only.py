# Seed 001, Exclusion from the DAG (只优化分类器)
# Needs the frozen model with a new fc; added a training step showing only
# fc changes.
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

# 只优化分类器
optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)

conv_before = model.conv1.weight.detach().clone()
fc_before = model.fc.weight.detach().clone()
model(torch.rand(2, 3, 64, 64)).sum().backward()
optimizer.step()
print(torch.equal(conv_before, model.conv1.weight), torch.equal(fc_before, model.fc.weight))
print(model.conv1.weight.grad)
