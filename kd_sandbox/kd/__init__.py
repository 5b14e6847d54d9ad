"""What every run shares on the torch side: the one tempered divergence every loss path
uses (``losses``), the silent failures of drop 2.5 as a registry (``bugs``), and the
device the digits and the LM runs train on (``device``)."""
