"""Real teacher→student distillation runs behind /distill, in two halves.

The torch-free half is what the bot process imports: ``spec`` (settings, each mode's
run configuration, help), ``result`` (what a run returns), ``protocol`` (the typed
messages over the worker's pipe), ``queue`` (fair admission of runs), ``worker`` (the
handle on the child process), ``srs_fit``'s parent side, ``teacher_config`` and
``cli``. A test starts a fresh interpreter, imports these and checks that torch,
numpy and matplotlib stayed out.

The torch half runs in the worker's child process (``child``) or the offline CLI:
``losses`` (the one tempered divergence every loss path uses), ``bugs`` (the silent
failures of drop 2.5 as a registry), the digits experiment (``data``, ``models``,
``teacher``, ``training``, ``experiments``, ``outcome``, ``captions``, ``plots``,
``runner``) and the language-model modes in ``kd_sandbox.lm``. Nothing here imports
the bot.
"""
