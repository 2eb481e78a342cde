# Seed 000, 模型保存与加载 / 5. 保存与加载模型的结构 (save_model_obj=False)
# torch.save has no `save_model_obj` argument: the snippet's call raises
# TypeError, so nothing is written and the following torch.load raises
# FileNotFoundError. Both lines are kept and their errors printed.
import torch
import torch.nn as nn

torch.manual_seed(0)

# 定义模型
class SimpleModel(nn.Module):
    def __init__(self):
        super(SimpleModel, self).__init__()
        self.fc = nn.Linear(10, 1)

model = SimpleModel()

# 保存模型结构
try:
    torch.save(model, 'model_structure.pth', save_model_obj=False)
except TypeError as e:
    print("TypeError:", e)

# 加载模型结构
try:
    loaded_model_structure = torch.load('model_structure.pth')
except FileNotFoundError as e:
    print("FileNotFoundError:", e)
