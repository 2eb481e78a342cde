# Seed 002 (CSDN "pytorch快速入门"), 数据加载和预处理 / 示例代码 (MyDataset + ToTensor/Normalize + DataLoader)
# Indentation restored. Completion: `data = [...]` -> 70 random 28x28 uint8
# grayscale images (NumPy arrays), `labels = [...]` -> 70 ints; added a pass
# over the loader printing batch shapes.
import torch
import numpy as np

torch.manual_seed(0)
np.random.seed(0)

import torch
from torch.utils.data import Dataset, DataLoader
from torchvision import transforms

# 自定义数据集类
class MyDataset(Dataset):
    def __init__(self, data, labels, transform=None):
        self.data = data
        self.labels = labels
        self.transform = transform

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        sample = self.data[index]
        label = self.labels[index]

        if self.transform:
            sample = self.transform(sample)

        return sample, label

# 数据转换
transform = transforms.Compose([
    transforms.ToTensor(),
    transforms.Normalize(mean=[0.5], std=[0.5])
])

# 创建数据集实例
data = [np.random.randint(0, 256, (28, 28), dtype=np.uint8) for _ in range(70)] # 原始数据
labels = [i % 10 for i in range(70)] # 标签
dataset = MyDataset(data, labels, transform=transform)

# 创建数据加载器
batch_size = 64
shuffle = True
dataloader = DataLoader(dataset, batch_size=batch_size, shuffle=shuffle)

for samples, targets in dataloader:
    print(samples.shape, samples.dtype, targets.shape, targets.dtype)
