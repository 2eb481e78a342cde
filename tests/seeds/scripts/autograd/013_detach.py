# Seed 002, 向量拷贝 / .detach() 方法
import torch

torch.manual_seed(0)

x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x.detach()
print(x) # 输出: tensor([1., 2., 3.], requires_grad=True)
print(y) # 输出: tensor([1., 2., 3.])
