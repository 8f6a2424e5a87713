# Writes affine.pt, the TorchScript fixture of DjlTorchScriptTest: y = x @ W.T + b with fixed
# weights, scripted and saved by Python PyTorch (Debian's python3-torch, 1.13), so the test loads a
# file made the way users make theirs. Re-run with: /usr/bin/python3 make_affine.py
import torch


class Affine(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(3, 2)
        with torch.no_grad():
            self.linear.weight.copy_(torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
            self.linear.bias.copy_(torch.tensor([0.5, -1.0]))

    def forward(self, x):
        return self.linear(x)


torch.jit.script(Affine().eval()).save("affine.pt")
