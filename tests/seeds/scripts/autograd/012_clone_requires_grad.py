# Seed 002, 向量拷贝 / .clone() 方法
# As written, torch.tensor([1, 2, 3], requires_grad=True) raises (integer
# tensors cannot require grad, as the tutorial itself notes). The line is kept
# and its error printed; the rest of the snippet is then run on the float
# tensor [1., 2., 3.] so that clone()'s grad_fn is observable.
import torch

torch.manual_seed(0)

try:
    x = torch.tensor([1, 2, 3], requires_grad=True)
except RuntimeError as e:
    print("RuntimeError:", e)
    x = torch.tensor([1., 2., 3.], requires_grad=True)
y = x.clone()
print(x) # 输出: tensor([1, 2, 3], requires_grad=True)
print(y) # 输出: tensor([1, 2, 3], grad_fn=<CloneBackward>)
