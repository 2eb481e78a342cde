# Seed 000, 数据加载与预处理 / 4. 使用预训练模型 (ImageNet preprocess); the
# identical snippet of 6. 使用预训练模型 is covered by this script too.
# Reconstructed [0.4850.4560.406] -> [0.485, 0.456, 0.406],
# [0.2290.2240.225] -> [0.229, 0.224, 0.225]. Completion: apply it to a
# random RGB PIL image; added prints.
import torch
import numpy as np
from PIL import Image

torch.manual_seed(0)
np.random.seed(0)

from torchvision import transforms

# 使用 ImageNet 预训练模型的标准化参数
preprocess = transforms.Compose([
    transforms.Resize(256),
    transforms.CenterCrop(224),
    transforms.ToTensor(),
    transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])
])

print(preprocess)
img = Image.fromarray(np.random.randint(0, 256, (300, 400, 3), dtype=np.uint8))
out = preprocess(img)
print(out.shape, out.dtype)
print(out.mean(dim=(1, 2)))
