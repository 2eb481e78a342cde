# Seed 000, 模型保存与加载 / 2. 模型的加载
# Needs SimpleModel and the two files written by 1. Loading the whole model
# with torch.load's default weights_only=True fails in torch 2.13: the
# snippet's line is kept, the exception type is printed, and the load is
# then repeated with weights_only=False to show the intended result.
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
torch.save(model.state_dict(), 'model_state.pth')
torch.save(model, 'model.pth')

# 加载模型的状态字典
loaded_state_dict = torch.load('model_state.pth')
print(model.load_state_dict(loaded_state_dict))
print(loaded_state_dict)

# 加载整个模型
try:
    loaded_model = torch.load('model.pth')
except pickle.UnpicklingError as e:
    print(type(e).__name__)
    loaded_model = torch.load('model.pth', weights_only=False)
print(loaded_model)
print(type(loaded_model).__name__, torch.equal(loaded_model.fc.weight, model.fc.weight))
