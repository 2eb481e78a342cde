# Seed 000, 模型保存与加载 / 4. 保存与加载模型的结构和参数 (whole model)
# Needs SimpleModel. Same weights_only treatment as in 2.
import pickle
import torch
import torch.nn as nn

torch.manual_seed(0)

# 定义模型
class SimpleModel(nn.Module):
    def __init__(self):
        super(SimpleModel, self).__init__()
        self.fc = nn.Linear(10, 1)

model = SimpleModel()

# 保存整个模型(包括结构和参数)
torch.save(model, 'model.pth')

# 加载整个模型
try:
    loaded_model = torch.load('model.pth')
except pickle.UnpicklingError as e:
    print(type(e).__name__)
    loaded_model = torch.load('model.pth', weights_only=False)
print(loaded_model)
print(loaded_model.fc.weight)
print(loaded_model.fc.bias)
print(loaded_model.training)
