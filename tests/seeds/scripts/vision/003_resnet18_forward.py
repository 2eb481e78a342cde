# Seed 001, Usage in PyTorch (forward pass: prediction = model(data))
# Needs model/data from the previous snippet (random weights); added print.
import torch

torch.manual_seed(0)

from torchvision.models import resnet18, ResNet18_Weights
# ResNet18_Weights.DEFAULT would download pretrained weights: random weights instead.
model = resnet18(weights=None) # 加载预训练的 resnet18 模型
data = torch.rand(1, 3, 64, 64) # 数据:表示一张具有 3 个通道、高度和宽度均为 64 的图像
labels = torch.rand(1, 1000) # 标签:形状为 (1,1000)的一些随机值

prediction = model(data) # 前向传播

print(prediction.shape, prediction.grad_fn is not None)
