# Seed 002, 函数名后面带下划线 _ 的函数 (add_, mul_, neg_)
import torch

torch.manual_seed(0)

# 创建一个张量
tensor = torch.tensor([1, 2, 3])
# 就地加法操作
tensor.add_(1)
print(tensor) # 输出 tensor([2, 3, 4])
# 就地乘法操作
tensor.mul_(2)
print(tensor) # 输出 tensor([4, 6, 8])
# 就地取负操作
tensor.neg_()
print(tensor) # 输出 tensor([-4, -6, -8])
