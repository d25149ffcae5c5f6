"""Language models: loading any HF model by config, and the tiny world's architectures."""
