# Seed 000, 模型保存与加载 / 6. 只保存和加载模型参数
# Needs SimpleModel and `model`; added prints.
import torch
import torch.nn as nn

torch.manual_seed(0)

# 定义模型
class SimpleModel(nn.Module):
    def __init__(self):
        super(SimpleModel, self).__init__()
        self.fc = nn.Linear(10, 1)

model = SimpleModel()

# 保存模型参数
torch.save(model.state_dict(), 'model_parameters.pth')

# 加载模型参数
loaded_parameters = torch.load('model_parameters.pth')
model.load_state_dict(loaded_parameters)

print(type(loaded_parameters).__name__)
print(loaded_parameters)
fresh = SimpleModel()
print(fresh.load_state_dict(loaded_parameters))
print(torch.equal(fresh.fc.weight, model.fc.weight))
