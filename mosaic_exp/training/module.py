"""A LightningModule around any Hugging Face language model."""

from __future__ import annotations

from typing import Any

import lightning as L
import torch
from torch.optim.lr_scheduler import LambdaLR
from transformers import PreTrainedModel


# Devices with a fused AdamW kernel in every torch this project supports.
FUSED_ADAMW_DEVICES = ("cpu", "cuda")


def _can_fuse_adamw(params: list[torch.nn.Parameter], precision: str | None) -> bool:
    """Whether AdamW may run as one fused kernel per tensor instead of a dozen small ops.

    Same update, several times faster (HF's ``Trainer`` fuses by default too).
    With fp16 AMP the fused step unscales gradients itself, which Lightning
    cannot combine with gradient clipping, so it keeps the plain loop there.
    """
    if precision == "16-mixed":
        return False
    return bool(params) and all(p.is_floating_point() and p.device.type in FUSED_ADAMW_DEVICES for p in params)


class LanguageModelModule(L.LightningModule):
    """Trains a HF causal or masked LM on batches with ``input_ids``/``labels``.

    The model computes its own loss (shifted for causal LMs). AdamW with
    weight decay on matrices only, linear warm-up then linear decay to zero.
    """

    def __init__(
        self,
        model: PreTrainedModel,
        lr: float,
        weight_decay: float = 0.01,
        warmup_steps: int = 0,
        total_steps: int | None = None,
        causal: bool = True,
    ) -> None:
        super().__init__()
        # Models come from `from_pretrained` in eval mode; dropout and friends must be on.
        self.model = model.train()
        self.lr = lr
        self.weight_decay = weight_decay
        self.warmup_steps = warmup_steps
        self.total_steps = total_steps
        self.causal = causal

    def forward(self, **batch: torch.Tensor) -> Any:
        return self.model(**batch)

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        loss = self.model(**batch).loss
        self.log("train/loss", loss, prog_bar=True, batch_size=batch["input_ids"].shape[0])
        return loss

    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        out = self.model(**batch)
        logits, labels = out.logits, batch["labels"]
        if self.causal:
            logits, labels = logits[:, :-1], labels[:, 1:]
        scored = labels != -100
        top10 = logits.topk(min(10, logits.shape[-1]), dim=-1).indices
        hits = top10 == labels.unsqueeze(-1)
        n = int(scored.sum())
        self.log("val/loss", out.loss, batch_size=n)
        self.log("val/top1", hits[..., 0][scored].float().mean(), batch_size=n)
        self.log("val/top10", hits.any(-1)[scored].float().mean(), batch_size=n)

    def _schedule(self, step: int) -> float:
        if step < self.warmup_steps:
            return (step + 1) / self.warmup_steps
        total = self.total_steps or self.trainer.estimated_stepping_batches
        remaining = max(0, total - step)
        return remaining / max(1, total - self.warmup_steps)

    def configure_optimizers(self) -> Any:
        decay, no_decay = [], []
        for param in self.model.parameters():
            if param.requires_grad:
                (decay if param.ndim >= 2 else no_decay).append(param)
        optimizer = torch.optim.AdamW(
            [{"params": decay, "weight_decay": self.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
            lr=self.lr,
            fused=_can_fuse_adamw(decay + no_decay, self._trainer.precision if self._trainer else None),
        )
        scheduler = LambdaLR(optimizer, self._schedule)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}
