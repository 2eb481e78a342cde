# Seed 004, 5. 模型部署与量化 / TorchScript (torch.jit.script + save)
# Completion: `model` is a small nn.Module; added prints of the scripted
# module, its output vs eager, and a torch.jit.load round trip.
import torch
import torch.nn as nn

torch.manual_seed(0)


class MyModel(nn.Module):
    def __init__(self):
        super(MyModel, self).__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return torch.relu(self.fc(x))


model = MyModel()

scripted_model = torch.jit.script(model)
scripted_model.save("model.pt")

print(scripted_model)
x = torch.randn(3, 4)
print(torch.equal(scripted_model(x), model(x)))
loaded = torch.jit.load("model.pt")
print(loaded(x))
