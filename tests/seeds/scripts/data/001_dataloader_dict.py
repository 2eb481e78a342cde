# Seed 000, 数据加载与预处理 / 2. 数据加载器 (DataLoader(batch_size=64, shuffle=True))
# Completion: data = 100 random 3-vectors, labels random 0/1; `transform=...`
# would make CustomDataset call the Ellipsis, so it is replaced by a small
# dict transform (`double_data`). Added prints of the batches.
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

data = torch.randn(100, 3)
labels = torch.randint(0, 2, (100,))


def double_data(sample):
    return {'data': sample['data'] * 2, 'label': sample['label']}

from torch.utils.data import DataLoader

# 创建数据集
dataset = CustomDataset(data, labels, transform=double_data)

# 创建数据加载器
dataloader = DataLoader(dataset, batch_size=64, shuffle=True)

print(len(dataset), len(dataloader))
for batch in dataloader:
    print(type(batch).__name__, sorted(batch.keys()), batch['data'].shape, batch['label'].shape)
    print(batch['label'])
print(dataset[3])
