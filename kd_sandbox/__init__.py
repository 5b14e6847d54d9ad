"""Real teacher→student distillation runs: losses, data, models, experiments and plots.

Nothing here imports the bot. torch and transformers are imported only by the modules
that train (loaded in the worker process), never by ``spec`` or ``result``.
"""
