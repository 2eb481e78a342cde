# Seed 000, 数据加载与预处理 / 1. 数据集的定义 (CustomDataset returning dicts)
# Completion: instantiate it on small random data/labels, print len and items.
import torch

torch.manual_seed(0)

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

data = torch.randn(10, 3)
labels = torch.randint(0, 2, (10,))
dataset = CustomDataset(data, labels)
print(len(dataset))
print(dataset[0])
print(dataset[9])
