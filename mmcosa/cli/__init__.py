"""Entry-point logic of the tools: argument parsing and the calls into the
package. The top layer: it may import every other mmcosa subpackage and
nothing in mmcosa imports it (``tests/test_import_layers.py``).

Its modules are imported by the tools one at a time (``from
mmcosa.cli.train_test import run_train``); this file imports none of them.
"""
