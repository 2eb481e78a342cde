# Seed 000, 模型保存与加载 / 3. 跨设备加载模型 (map_location=torch.device('cpu'))
# Needs SimpleModel and model.pth written by 1. Same weights_only treatment
# as in 2.: the snippet's line is kept, the exception type printed, then the
# load is repeated with weights_only=False.
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
torch.save(model, 'model.pth')

# 在 CPU 上加载 GPU 上保存的模型
try:
    loaded_model = torch.load('model.pth', map_location=torch.device('cpu'))
except pickle.UnpicklingError as e:
    print(type(e).__name__)
    loaded_model = torch.load('model.pth', map_location=torch.device('cpu'), weights_only=False)
print(loaded_model)
print(loaded_model.fc.weight.device)
