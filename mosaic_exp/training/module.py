"""A LightningModule around any Hugging Face language model."""

from __future__ import annotations

from typing import Any

import lightning as L
import torch
from lightning.pytorch.trainer.states import TrainerFn
from torchmetrics import MeanMetric
from transformers import PreTrainedModel, get_linear_schedule_with_warmup

from mosaic_exp.training.optim import adamw


class LanguageModelModule(L.LightningModule):
    """Trains a HF causal or masked LM on batches with ``input_ids``/``labels``.

    The model computes its own loss (shifted for causal LMs). The optimizer
    and schedule are the HF ``Trainer``'s: AdamW without decay on biases and
    norms (:mod:`mosaic_exp.training.optim`), and ``transformers``' own linear
    warm-up then linear decay to zero at the last step. Gradient clipping is
    the Lightning ``Trainer``'s ``gradient_clip_val``.

    Validation logs ``val/loss``, the mean loss over every predicted token of
    the validation rows, and the top-1 / top-10 next-token accuracies
    (``val/top1``, ``val/top10``); :meth:`validation_metrics` reads them until
    the next validation starts.
    """

    def __init__(
        self,
        model: PreTrainedModel,
        lr: float,
        weight_decay: float = 0.01,
        warmup_steps: int = 0,
        total_steps: int | None = None,
        causal: bool = True,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__()
        # Models come from `from_pretrained` in eval mode; dropout and friends must be on.
        self.model = model.train()
        self.lr = lr
        self.weight_decay = weight_decay
        self.warmup_steps = warmup_steps
        self.total_steps = total_steps
        self.causal = causal
        self.betas = (float(betas[0]), float(betas[1]))
        self.eps = eps
        # Means over predicted tokens, so that a short last batch counts for what it holds. Metric objects
        # (rather than logged tensors) can be read after Lightning's sanity check, which logs nothing.
        self.val_metrics = torch.nn.ModuleDict({name: MeanMetric() for name in ("loss", "top1", "top10")})

    def forward(self, **batch: torch.Tensor) -> Any:
        return self.model(**batch)

    def on_fit_start(self) -> None:
        # Training forwards must not build a KV cache (the HF Trainer turns it off too);
        # generation after training wants it back.
        self._use_cache = getattr(self.model.config, "use_cache", None)
        if self._use_cache is not None:
            self.model.config.use_cache = False

    def on_fit_end(self) -> None:
        if self._use_cache is not None:
            self.model.config.use_cache = self._use_cache

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
        values = {"loss": out.loss, "top1": hits[..., 0][scored].float().mean(), "top10": hits.any(-1)[scored].float().mean()}
        for name, value in values.items():
            self.val_metrics[name].update(value.detach().float(), weight=n)
            self.log(f"val/{name}", self.val_metrics[name])

    def validation_metrics(self) -> dict[str, float]:
        """``val/loss``, ``val/top1`` and ``val/top10`` of the last validation run (under DDP, over every process)."""
        return {f"val/{name}": float(metric.compute()) for name, metric in self.val_metrics.items()}

    def on_validation_epoch_end(self) -> None:
        if self.trainer.state.fn == TrainerFn.FITTING:
            # Lightning validates inside the training loop before it counts the batch's optimizer step for
            # its loggers, so without this val metrics would be logged one step before the weights they measure.
            self.log("step", float(self.trainer.global_step), sync_dist=True)

    def configure_gradient_clipping(
        self, optimizer: torch.optim.Optimizer, gradient_clip_val: float | None = None, gradient_clip_algorithm: str | None = None
    ) -> None:
        # Under bf16 autocast there is no loss scaler, so the gradients are true and a fused
        # AdamW may be clipped like any other; Lightning's AMP plugin refuses to clip fused
        # optimizers for fp16 and bf16 alike, so the norm clipping is done here for bf16.
        if gradient_clip_val and gradient_clip_algorithm in (None, "norm") and self.trainer.precision == "bf16-mixed":
            params = [p for group in optimizer.param_groups for p in group["params"]]
            torch.nn.utils.clip_grad_norm_(params, gradient_clip_val)
            return
        self.clip_gradients(optimizer, gradient_clip_val, gradient_clip_algorithm)

    def configure_optimizers(self) -> Any:
        precision = self._trainer.precision if self._trainer else None
        optimizer = adamw(self.model, self.lr, self.weight_decay, self.betas, self.eps, precision)
        total = self.total_steps or self.trainer.estimated_stepping_batches
        scheduler = get_linear_schedule_with_warmup(optimizer, self.warmup_steps, int(total))
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}
