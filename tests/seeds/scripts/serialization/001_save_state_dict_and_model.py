# Seed 000, 模型保存与加载 / 1. 模型的保存 (state_dict and whole model)
# Reconstructed nn.Linear(101) -> nn.Linear(10, 1). Added prints of what was
# written (file existence, state_dict contents).
import os
import torch
import torch.nn as nn

torch.manual_seed(0)

# 定义模型
class SimpleModel(nn.Module):
    def __init__(self):
        super(SimpleModel, self).__init__()
        self.fc = nn.Linear(10, 1)

model = SimpleModel()

# 保存模型的状态字典
torch.save(model.state_dict(), 'model_state.pth')

# 保存整个模型(包括结构和参数)
torch.save(model, 'model.pth')

print(os.path.exists('model_state.pth'), os.path.exists('model.pth'))
print(model)
print(model.state_dict())
