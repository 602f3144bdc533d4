#!/usr/bin/python3
"""The PyTorch twins of curvlab's C++ models (engine/models): same modules, attribute names,
parameter and buffer names and shapes, same forward numerics. Used by interop tests and
benchmarks: build(name, sample_shape, num_classes, widths=None, activation='relu', kappa=0.0).

Command line (used by tests/engine/models/python_twin.h (used by each model test)):
  curvlab_models.py --dump-names SPEC [SPEC ...]
      prints "SPEC<TAB>param|buffer<TAB>name<TAB>d0,d1,..." for every parameter and buffer
      ("-" for a scalar, such as num_batches_tracked).
  curvlab_models.py --logits DIR
      for every DIR/<case>/manifest.txt written by the C++ test: builds the model, loads the
      tensors, runs the input in eval mode and writes DIR/<case>/logits_py.bin (float32).
  curvlab_models.py --train-step DIR
      regression twins: one train-mode step with MSE and torch.optim.Adam (the manifest's "target"
      and "adam LR WEIGHT_DECAY" lines); writes DIR/<case>/after_<name>.bin for every parameter/buffer.
SPEC is NAME:C:H:W:CLASSES[:WIDTHS[:ACTIVATION[:KAPPA[:BATCH_NORM]]]] with WIDTHS like 256x128 (an MLP's hidden
widths, or a ResNet's three stage widths like 4x8x16; "-" for none, or a model's default), e.g. resnet20:3:32:32:10, mlp:1:28:28:10:64x32:tanh or
lenet_like:1:28:28:10:-:jumprelu:0.5 (curvlab::model_spec_string writes the same).
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ACTIVATIONS = {'relu': F.relu, 'tanh': torch.tanh, 'gelu': F.gelu, 'sigmoid': torch.sigmoid}
RESNET_BLOCKS = {'resnet20': 3, 'resnet32': 5, 'resnet44': 7, 'resnet56': 9, 'resnet110': 18}
MODEL_NAMES = ['mlp', 'lenet5', 'lenet_like', 'convnet'] + list(RESNET_BLOCKS) + ['shallow_decoder']


class Activation(nn.Module):
    """The hidden activation ([model] activation, kappa): relu, tanh, gelu, sigmoid, or jumprelu,
    which is x * 1[x > kappa] in eval mode and relu in training (Erichson et al. 2019). Holds no
    parameters or buffers, so the models' state dict names do not change."""

    def __init__(self, name='relu', kappa=0.0):
        super().__init__()
        if name != 'jumprelu' and name not in ACTIVATIONS:
            raise ValueError(f'unknown activation {name!r}')
        self.name, self.kappa = name, float(kappa)

    def forward(self, x):
        if self.name != 'jumprelu':
            return ACTIVATIONS[self.name](x)
        if self.training:
            return F.relu(x)
        return x * (x > self.kappa).to(x.dtype)


class MLP(nn.Module):
    """flatten, fc1..fcL with the activation, fc(L+1) to the classes."""

    def __init__(self, in_features, widths, activation, num_classes):
        super().__init__()
        self.activation = activation if isinstance(activation, Activation) else Activation(activation)
        sizes = [in_features] + list(widths) + [num_classes]
        self.num_layers = len(sizes) - 1
        for i in range(self.num_layers):
            self.add_module(f'fc{i + 1}', nn.Linear(sizes[i], sizes[i + 1]))

    def forward(self, x):  # [B, C, H, W] -> [B, classes]
        x = x.flatten(1)
        for i in range(1, self.num_layers):
            x = self.activation(getattr(self, f'fc{i}')(x))
        return getattr(self, f'fc{self.num_layers}')(x)


class ConvNet(nn.Module):
    """conv1 (C->32, 3x3, pad 1), act, pool, conv2 (32->64), act, pool, fc1 (->128), act, fc2."""

    def __init__(self, sample_shape, num_classes, act=None):
        super().__init__()
        self.act = act or Activation()
        c, h, w = sample_shape
        self.conv1 = nn.Conv2d(c, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(64 * (h // 4) * (w // 4), 128)
        self.fc2 = nn.Linear(128, num_classes)

    def forward(self, x):  # [B, C, H, W] -> [B, classes]
        x = F.max_pool2d(self.act(self.conv1(x)), 2)
        x = F.max_pool2d(self.act(self.conv2(x)), 2)
        x = self.act(self.fc1(x.flatten(1)))
        return self.fc2(x)


def lenet5_padding(h, w):
    return 2 if (h < 32 or w < 32) else 0


class LeNet5(nn.Module):
    """LeNet-5 with ReLU and max pooling; conv1 padding 2 for inputs below 32x32, else 0."""

    def __init__(self, sample_shape, num_classes, act=None):
        super().__init__()
        self.act = act or Activation()
        c, h, w = sample_shape
        pad = lenet5_padding(h, w)
        h2 = ((h + 2 * pad - 4) // 2 - 4) // 2
        w2 = ((w + 2 * pad - 4) // 2 - 4) // 2
        self.conv1 = nn.Conv2d(c, 6, 5, padding=pad)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * h2 * w2, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):  # [B, C, H, W] -> [B, classes]
        x = F.max_pool2d(self.act(self.conv1(x)), 2)
        x = F.max_pool2d(self.act(self.conv2(x)), 2)
        x = self.act(self.fc1(x.flatten(1)))
        x = self.act(self.fc2(x))
        return self.fc3(x)


class LeNetLike(nn.Module):
    """The JumpReLU paper's LeNet-like network (erichson/JumpReLU models/LeNetLike.py): conv1
    (C->10, 5x5), pool, act, conv2 (10->20, 5x5), pool, act, dropout 0.5, fc1 (->120), act,
    fc2 (->90), act, fc3."""

    def __init__(self, sample_shape, num_classes, act=None):
        super().__init__()
        self.act = act or Activation()
        c, h, w = sample_shape
        h2, w2 = ((h - 4) // 2 - 4) // 2, ((w - 4) // 2 - 4) // 2
        self.conv1 = nn.Conv2d(c, 10, 5)
        self.conv2 = nn.Conv2d(10, 20, 5)
        self.fc1 = nn.Linear(20 * h2 * w2, 120)
        self.fc2 = nn.Linear(120, 90)
        self.fc3 = nn.Linear(90, num_classes)

    def forward(self, x):  # [B, C, H, W] -> [B, classes]
        x = self.act(F.max_pool2d(self.conv1(x), 2))
        x = self.act(F.max_pool2d(self.conv2(x), 2))
        x = F.dropout(x.flatten(1), 0.5, training=self.training)
        x = self.act(self.fc1(x))
        x = self.act(self.fc2(x))
        return self.fc3(x)


# ---- CIFAR ResNets, as in akamaster/pytorch_resnet_cifar10 (option A shortcuts) ----

def _weights_init(m):
    if isinstance(m, (nn.Linear, nn.Conv2d)):
        nn.init.kaiming_normal_(m.weight)


class LambdaLayer(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_planes, planes, stride=1, act=None):
        super().__init__()
        self.act = act or Activation()
        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            pad = planes // 4
            self.shortcut = LambdaLayer(
                lambda x: F.pad(x[:, :, ::stride, ::stride], (0, 0, 0, 0, pad, pad), "constant", 0))

    def forward(self, x):  # [B, in_planes, H, W] -> [B, planes, H', W']
        out = self.act(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.act(out + self.shortcut(x))


class ResNet(nn.Module):
    def __init__(self, blocks_per_stage, sample_shape, num_classes, act=None, widths=(16, 32, 64)):
        super().__init__()
        self.act = act or Activation()
        w1, w2, w3 = widths
        self.in_planes = w1
        self.conv1 = nn.Conv2d(sample_shape[0], w1, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(w1)
        self.layer1 = self._make_layer(w1, blocks_per_stage, 1)
        self.layer2 = self._make_layer(w2, blocks_per_stage, 2)
        self.layer3 = self._make_layer(w3, blocks_per_stage, 2)
        self.linear = nn.Linear(w3, num_classes)
        self.apply(_weights_init)

    def _make_layer(self, planes, blocks, stride):
        layers = []
        for s in [stride] + [1] * (blocks - 1):
            layers.append(BasicBlock(self.in_planes, planes, s, self.act))
            self.in_planes = planes
        return nn.Sequential(*layers)

    def forward(self, x):  # [B, C, H, W] -> [B, classes]
        out = self.act(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        out = out.mean(dim=(2, 3))  # global average pooling (= avg_pool2d(out, W) for square maps)
        return self.linear(out)


class ShallowDecoder(nn.Module):
    """The shallow decoder (Erichson et al. 2020): readings -> Linear, activation, batch norm (x2) -> field.

    batch_norm: 'feature' (BatchNorm1d(width)), 'shared' (BatchNorm1d(1) on [B, 1, width], the reference
    code's) or 'none'. Parameter names as the reference's Sequential blocks."""

    def __init__(self, sensors, widths, activation, batch_norm, outputs):
        super().__init__()
        self.activation = activation if isinstance(activation, Activation) else Activation(activation)
        self.batch_norm = batch_norm
        w1, w2 = widths

        def block(n_in, n_out):
            layers = [nn.Linear(n_in, n_out), nn.ReLU()]
            if batch_norm != 'none':
                layers.append(nn.BatchNorm1d(1 if batch_norm == 'shared' else n_out))
            return nn.Sequential(*layers)

        self.learn_features = block(sensors, w1)
        self.learn_coef = block(w1, w2)
        self.learn_dictionary = nn.Sequential(nn.Linear(w2, outputs))

    def _block(self, b, x):  # [B, in] -> [B, out]
        x = self.activation(b[0](x))
        if self.batch_norm == 'none':
            return x
        if self.batch_norm == 'shared':
            return b[2](x.unsqueeze(1)).squeeze(1)
        return b[2](x)

    def forward(self, x):  # [B, 1, 1, s] -> [B, m]
        x = x.flatten(1)
        x = self._block(self.learn_features, x)
        x = self._block(self.learn_coef, x)
        return self.learn_dictionary(x)


def build(name, sample_shape, num_classes, widths=None, activation='relu', kappa=0.0, batch_norm='feature'):
    """The twin of curvlab::make_model: sample_shape is (C, H, W)."""
    c, h, w = (int(v) for v in sample_shape)
    act = Activation(activation, kappa)
    if name == 'mlp':
        return MLP(c * h * w, [256, 128] if widths is None else widths, act, num_classes)
    if name == 'lenet5':
        return LeNet5((c, h, w), num_classes, act)
    if name == 'lenet_like':
        return LeNetLike((c, h, w), num_classes, act)
    if name == 'convnet':
        return ConvNet((c, h, w), num_classes, act)
    if name == 'shallow_decoder':
        return ShallowDecoder(c * h * w, widths or (40, 45), act, batch_norm, num_classes)
    if name in RESNET_BLOCKS:
        return ResNet(RESNET_BLOCKS[name], (c, h, w), num_classes, act, widths or (16, 32, 64))
    raise ValueError(f'unknown model {name!r}; allowed: {", ".join(MODEL_NAMES)}')


def build_from_spec(spec):
    """Builds from NAME:C:H:W:CLASSES[:WIDTHS[:ACTIVATION[:KAPPA[:BATCH_NORM]]]]."""
    parts = spec.split(':')
    name, c, h, w, k = parts[0], *(int(p) for p in parts[1:5])
    widths = None
    if len(parts) > 5:
        widths = [] if parts[5] == '-' else [int(v) for v in parts[5].split('x')]
    activation = parts[6] if len(parts) > 6 else 'relu'
    kappa = float(parts[7]) if len(parts) > 7 else 0.0
    batch_norm = parts[8] if len(parts) > 8 else 'feature'
    keep = name in ('mlp', 'shallow_decoder') or name in RESNET_BLOCKS
    return build(name, (c, h, w), k, widths if keep else None, activation, kappa, batch_norm)


def dump_names(specs):
    for spec in specs:
        model = build_from_spec(spec)
        for kind, items in (('param', model.named_parameters()), ('buffer', model.named_buffers())):
            for key, t in items:
                shape = ",".join(str(d) for d in t.shape) or "-"  # "-": a scalar
                print(f'{spec}\t{kind}\t{key}\t{shape}')


DTYPES = {'float32': np.float32, 'int64': np.int64}


def read_tensor(folder, dtype, shape, file):
    shape = [int(d) for d in shape.split(',')] if shape != '-' else []
    data = np.fromfile(os.path.join(folder, file), dtype=DTYPES[dtype])
    return torch.from_numpy(data.reshape(shape).copy())


def read_cases(root):
    """(case, folder, {'spec', 'input', 'target', 'adam': (lr, weight_decay), 'state'}) for every
    ROOT/<case>/manifest.txt the C++ tests write, in name order."""
    for case in sorted(os.listdir(root)):
        folder = os.path.join(root, case)
        manifest = os.path.join(folder, 'manifest.txt')
        if not os.path.isfile(manifest):
            continue
        c = {'spec': None, 'input': None, 'target': None, 'adam': (0.0, 0.0), 'state': {}}
        with open(manifest) as f:
            for line in f:
                fields = line.split()
                if fields[0] == 'spec':
                    c['spec'] = fields[1]
                elif fields[0] in ('input', 'target'):
                    c[fields[0]] = read_tensor(folder, *fields[1:4])
                elif fields[0] == 'adam':
                    c['adam'] = (float(fields[1]), float(fields[2]))
                elif fields[0] == 'tensor':
                    c['state'][fields[1]] = read_tensor(folder, *fields[2:5])
        yield case, folder, c


def run_logits(root):
    """Loads each case's tensors into the twin and writes its eval-mode logits."""
    torch.set_num_threads(1)
    for case, folder, c in read_cases(root):
        spec, inputs, state = c['spec'], c['input'], c['state']
        model = build_from_spec(spec)
        model.load_state_dict(state, strict=True)  # every name must match, both ways
        model.eval()
        with torch.no_grad():
            logits = model(inputs)
        logits.numpy().astype(np.float32).tofile(os.path.join(folder, 'logits_py.bin'))
        print(f'{case}\t{spec}\tlogits {tuple(logits.shape)}')


def run_train_step(root):
    """Regression twins: one training step (train mode, MSE loss, torch.optim.Adam) from each case's
    tensors; writes the updated parameters and buffers as after_<key>.bin (float32, int64 counts)."""
    torch.set_num_threads(1)
    for case, folder, c in read_cases(root):
        spec, inputs, target, (lr, wd), state = c['spec'], c['input'], c['target'], c['adam'], c['state']
        model = build_from_spec(spec)
        model.load_state_dict(state, strict=True)
        model.train()
        opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=wd)
        loss = F.mse_loss(model(inputs), target)
        loss.backward()
        opt.step()
        for key, t in list(model.named_parameters()) + list(model.named_buffers()):
            t.detach().numpy().tofile(os.path.join(folder, 'after_' + key + '.bin'))
        print(f'{case}\t{spec}\tloss {loss.item():.6g}')


def main(argv):
    if len(argv) == 2 and argv[0] == '--train-step':
        run_train_step(argv[1])
        return 0
    if len(argv) >= 2 and argv[0] == '--dump-names':
        dump_names(argv[1:])
        return 0
    if len(argv) == 2 and argv[0] == '--logits':
        run_logits(argv[1])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
