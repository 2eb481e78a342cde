# Seed 001, Usage in PyTorch (optim.step())
# Needs model, loss.backward() and optim from the previous snippets; added print.
import torch

torch.manual_seed(0)

from torchvision.models import resnet18, ResNet18_Weights
# ResNet18_Weights.DEFAULT would download pretrained weights: random weights instead.
model = resnet18(weights=None) # 加载预训练的 resnet18 模型
data = torch.rand(1, 3, 64, 64) # 数据:表示一张具有 3 个通道、高度和宽度均为 64 的图像
labels = torch.rand(1, 1000) # 标签:形状为 (1,1000)的一些随机值
prediction = model(data)
loss = (prediction - labels).sum()
loss.backward()
optim = torch.optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
before = model.fc.bias.detach().clone()

optim.step() # 启动梯度下降,优化器会根据 .grad 中存储的梯度调整每个参数

print(torch.allclose(model.fc.bias, before - 1e-2 * model.fc.bias.grad))
