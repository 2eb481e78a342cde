# Seed 004 ("深度学习框架 PyTorch 进阶教程"), 4. 模型优化与加速 / 混合精度训练
# Completion: model (nn.Linear(5, 2)), criterion (CrossEntropyLoss), optimizer
# (SGD lr=0.1) and dataloader (TensorDataset of 20 samples, batch 5). Without
# CUDA torch.cuda.amp disables itself (warnings go to stderr, not compared)
# and the loop trains in float32. Added prints.
import torch
import torch.nn as nn

torch.manual_seed(0)

model = nn.Linear(5, 2)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
dataloader = torch.utils.data.DataLoader(
    torch.utils.data.TensorDataset(torch.randn(20, 5), torch.randint(0, 2, (20,))), batch_size=5)

from torch.cuda.amp import autocast, GradScaler

scaler = GradScaler()

for data, target in dataloader:
    optimizer.zero_grad()

    with autocast():
        output = model(data)
        loss = criterion(output, target)

    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    print(output.dtype, loss)

print(scaler.is_enabled(), scaler.get_scale())
print(model.weight)
print(model.bias)
