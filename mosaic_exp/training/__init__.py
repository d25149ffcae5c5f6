"""Lightning training code shared by tiny-world pretraining and fine-tuning."""
