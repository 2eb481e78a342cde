# Seed 000, 优化器 / 8. 自定义优化器 (subclass optim.Optimizer)
# The step body is the snippet's own `...`. Completion: instantiate it on a
# small model, print it, its defaults, and call step().
import torch
import torch.nn as nn
import torch.optim as optim

torch.manual_seed(0)

class CustomOptimizer(optim.Optimizer):
    def __init__(self, params, lr=0.01):
        defaults = dict(lr=lr)
        super(CustomOptimizer, self).__init__(params, defaults)

    def step(self, closure=None):
        # 自定义的优化步骤
        ...

model = nn.Linear(3, 1)
optimizer = CustomOptimizer(model.parameters(), lr=0.05)
print(optimizer)
print(optimizer.defaults)
print(optimizer.step())
print(optimizer.state_dict())
