"""The engine's presets rebuilt in PyTorch, for like-for-like speed comparisons (never used by the app)."""

import numpy as np
import torch

from engine.network import Network
from engine.schedules import make_schedule

ACTIVATIONS = {"relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh,
               "leaky_relu": lambda: torch.nn.LeakyReLU(0.01), "identity": torch.nn.Identity}


def build_model(spec) -> torch.nn.Sequential:
    """The same layers, starting from exactly the engine's initial weights for this spec."""
    layers, dense = [], Network(spec).dense_layers
    for i, layer in enumerate(dense):
        linear = torch.nn.Linear(layer.n_in, layer.n_out)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(layer.W.T.copy()))
            linear.bias.copy_(torch.from_numpy(layer.b))
        layers.append(linear)
        if i < len(spec.hidden):
            layers.append(ACTIVATIONS[spec.hidden[i].activation]())
    return torch.nn.Sequential(*layers)


def build_optimiser(model, config, steps_per_epoch):
    """The same optimiser, weight decay and per-step learning-rate schedule as the engine."""
    # L2 decay on the weights only, as the engine does
    params = [{"params": [p for p in model.parameters() if p.ndim == 2], "weight_decay": config.weight_decay},
              {"params": [p for p in model.parameters() if p.ndim == 1], "weight_decay": 0.0}]
    if config.optimiser == "adam":
        opt = torch.optim.Adam(params, lr=config.lr, betas=(config.beta1, config.beta2))
    else:
        momentum = 0.0 if config.optimiser == "sgd" else config.momentum
        opt = torch.optim.SGD(params, lr=config.lr, momentum=momentum, nesterov=config.optimiser == "nesterov")
    schedule = make_schedule(config.schedule, config.epochs, config.step_every, config.step_gamma)
    scheduler = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: schedule(step / steps_per_epoch))
    return opt, scheduler


def data_order(config, n):
    """The engine's validation split and per-epoch shuffles, drawn from the same seeded generator."""
    rng = np.random.default_rng(config.seed)
    order = rng.permutation(n)
    n_val = round(n * config.validation_fraction)
    train_idx, val_idx = np.sort(order[n_val:]), np.sort(order[:n_val])

    def epochs():
        while True:
            yield train_idx[rng.permutation(len(train_idx))]
    return train_idx, torch.from_numpy(val_idx), epochs()
