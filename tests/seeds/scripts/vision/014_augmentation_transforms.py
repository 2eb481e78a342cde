# Seed 004 ("深度学习框架 PyTorch 进阶教程"), 3. 高效的数据加载与增强 / 数据增强
# Completion: apply the transform to a random RGB PIL image; added prints.
import torch
import numpy as np
from PIL import Image

torch.manual_seed(0)
np.random.seed(0)

from torchvision import transforms

transform = transforms.Compose([
    transforms.RandomHorizontalFlip(),
    transforms.RandomRotation(10),
    transforms.ToTensor()
])

print(transform)
img = Image.fromarray(np.random.randint(0, 256, (32, 48, 3), dtype=np.uint8))
out = transform(img)
print(out.shape, out.dtype)
