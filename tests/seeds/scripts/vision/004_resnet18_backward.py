# Seed 001, Usage in PyTorch (loss = (prediction - labels).sum(); loss.backward())
# Needs model/data/labels/prediction from the previous snippets; added prints.
import torch

torch.manual_seed(0)

from torchvision.models import resnet18, ResNet18_Weights
# ResNet18_Weights.DEFAULT would download pretrained weights: random weights instead.
model = resnet18(weights=None) # 加载预训练的 resnet18 模型
data = torch.rand(1, 3, 64, 64) # 数据:表示一张具有 3 个通道、高度和宽度均为 64 的图像
labels = torch.rand(1, 1000) # 标签:形状为 (1,1000)的一些随机值
prediction = model(data)

loss = (prediction - labels).sum()
loss.backward() # 反向传播
# 当我们在误差张量上调用 .backward() 时,反向传播就开始了。
# 然后,Autograd 会计算每个模型参数的梯度,并存储在参数的 `.grad` 属性中

print(model.fc.bias.grad.shape, model.conv1.weight.grad.shape)
