# Seed 000, 数据加载与预处理 / 5. 数据加载与迭代 (for batch in dataloader: batch['data'], batch['label'])
# Needs CustomDataset and `dataloader` from 1./2. (data: 100 random 3-vectors,
# batch_size 64, shuffle=True). Added prints in place of "进行模型训练".
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

from torch.utils.data import DataLoader

data = torch.randn(100, 3)
labels = torch.randint(0, 2, (100,))
dataset = CustomDataset(data, labels)
dataloader = DataLoader(dataset, batch_size=64, shuffle=True)

for batch in dataloader:
    inputs, labels = batch['data'], batch['label']
    # 进行模型训练
    print(inputs.shape, labels.shape, inputs.dtype, labels.dtype)
    print(inputs[:2])
    print(labels)
