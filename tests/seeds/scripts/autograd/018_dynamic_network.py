# Seed 004, 2. 动态计算图的优势
# Added a second call taking the other branch so both paths are observable.
import torch

torch.manual_seed(0)

def dynamic_network(x):
    if x.sum() > 0:
        return x * 2
    else:
        return x + 1

x = torch.tensor([1.0, -1.0], requires_grad=True)
y = dynamic_network(x)
y.sum().backward()
print(x.grad)  # 根据条件动态计算梯度

x2 = torch.tensor([1.0, -3.0], requires_grad=True)
y2 = dynamic_network(x2)
y2.sum().backward()
print(y, y2)
print(x2.grad)
