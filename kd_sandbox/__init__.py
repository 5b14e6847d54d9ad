"""Real teacher→student distillation runs behind /distill, in two halves.

The torch-free half is what the bot process imports: ``spec`` (settings, each mode's
run configuration, help), ``result`` (what a run returns), ``protocol`` (the typed
messages over the worker's pipe), ``queue`` (fair admission of runs), ``worker`` (the
handle on the child process), ``srs_fit``'s parent side, ``teacher_config``, ``cli``,
and for Celery workers ``celery_app`` (the app, the task's name and its JSON result) and
``celery_worker`` (``distillbot worker``). A test starts a fresh interpreter, imports
these and checks that torch, numpy and matplotlib stayed out.

The torch half runs in the worker's child process (``child``), a Celery worker's pool
processes (``celery_tasks``, loaded by ``celery_worker`` only) or the offline CLI, in
three packages by concept: ``kd_sandbox.kd`` (``losses``, the one tempered divergence
every loss path uses; ``bugs``, the silent failures of drop 2.5 as a registry),
``kd_sandbox.digits`` (the digits experiment: data, models, teacher, training,
experiments, outcome, captions, plots, and ``runner``, the child's entry for every
mode) and ``kd_sandbox.lm`` (the language-model modes). ``srs_fit`` imports torch only
inside ``fit_parameters``, in a spawned process. The bot imports only the torch-free
half: import-linter contracts in pyproject.toml hold that. Nothing here imports the bot.
"""
