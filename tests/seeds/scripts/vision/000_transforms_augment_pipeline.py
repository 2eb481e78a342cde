# Seed 000, 数据加载与预处理 / 3. 预处理与转换 (Resize/RandomCrop/RandomHorizontalFlip/ToTensor/Normalize)
# Reconstructed (256256)->(256, 256), (224224)->(224, 224),
# [0.50.50.5]->[0.5, 0.5, 0.5]. Completion: CustomDataset from 1. with
# data = 3 random RGB PIL images and labels [0, 1, 0]. CustomDataset hands the
# whole {'data', 'label'} dict to the transform, which image transforms do not
# accept, so the dataset is only built (as in the snippet) and the transform is
# applied to the images directly. Added prints.
import torch
import numpy as np
from PIL import Image

torch.manual_seed(0)
np.random.seed(0)

from torch.utils.data import Dataset


class CustomDataset(Dataset):
    def __init__(self, data, labels, transform=None):
        self.data = data
        self.labels = labels
        self.transform = transform

    def __len__(self):
        return len(self.data)

    def __getitem__(self, idx):
        sample = {'data': self.data[idx], 'label': self.labels[idx]}

        if self.transform:
            sample = self.transform(sample)

        return  sample


data = [Image.fromarray(np.random.randint(0, 256, (300, 280, 3), dtype=np.uint8)) for _ in range(3)]
labels = [0, 1, 0]

from torchvision import transforms

# 定义转换
transform = transforms.Compose([
    transforms.Resize((256, 256)),
    transforms.RandomCrop((224, 224)),
    transforms.RandomHorizontalFlip(),
    transforms.ToTensor(),
    transforms.Normalize(mean=[0.5, 0.5, 0.5], std=[0.5, 0.5, 0.5])
])

# 将转换应用于数据集
dataset = CustomDataset(data, labels, transform=transform)

print(transform)
print(len(dataset))
out = transform(data[0])
print(out.shape, out.dtype)
print(bool(out.min() >= -1), bool(out.max() <= 1))
