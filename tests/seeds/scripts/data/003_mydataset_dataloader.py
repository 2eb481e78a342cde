# Seed 004 ("深度学习框架 PyTorch 进阶教程"), 3. 高效的数据加载与增强 / 自定义 Dataset
# Added a print of the labels of the first shuffled batch.
import torch

torch.manual_seed(0)

from torch.utils.data import Dataset, DataLoader

class MyDataset(Dataset):
    def __init__(self, data, labels):
        self.data = data
        self.labels = labels

    def __len__(self):
        return len(self.data)

    def __getitem__(self, idx):
        return self.data[idx], self.labels[idx]

# 示例数据
data = torch.randn(100, 5)
labels = torch.randint(0, 2, (100,))
dataset = MyDataset(data, labels)
dataloader = DataLoader(dataset, batch_size=10, shuffle=True)

for batch_data, batch_labels in dataloader:
    print(batch_data.shape, batch_labels.shape)

print(next(iter(dataloader))[1])
