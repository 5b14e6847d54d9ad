"""The distillation losses (torch side): the one tempered divergence every loss path
uses (``losses``) and the silent failures of drop 2.5 as a registry (``bugs``)."""
