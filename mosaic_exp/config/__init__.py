"""Typed configuration: the ranges every schema field may declare, and the registry (``schema``) that feeds Hydra's ConfigStore.

Each package keeps its config dataclasses in its own ``config.py``, beside the code they configure;
``config.schema`` only assembles them into the whole run's schema and registers it.
"""
