"""The digits experiment (torch side): scikit-learn's digits (``data``), the MLPs
(``models``), the cached teacher (``teacher``), the two-arm training harness
(``training``), the modes compare, omit and temperature (``experiments``), their
outcome, caption and plot, and ``runner``, which the worker's child calls for every
mode (the language-model modes are handed to ``kd_sandbox.lm``)."""
