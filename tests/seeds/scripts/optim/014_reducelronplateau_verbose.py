# Seed 000, 学习率调整 / 6. ReduceLROnPlateau 学习率调整
# The `verbose` argument no longer exists in torch 2.13, so the snippet's
# line raises TypeError: it is kept and the error is printed.
import torch
import torch.nn as nn
import torch.optim as optim
from torch.optim import lr_scheduler

torch.manual_seed(0)

model = nn.Linear(3, 1)
optimizer = optim.SGD(model.parameters(), lr=0.01)

try:
    scheduler = lr_scheduler.ReduceLROnPlateau(optimizer, mode='min', factor=0.1, patience=5, verbose=True)
except TypeError as e:
    print("TypeError:", e)
