"""The build steps, declared in the order they run, with the faults checkpoint each one reaches.

Each step takes the BuildContext and returns its StepResults for the summary. A step raises EtlError
for a bad file; the build then fails and the published database stays untouched. The geography sources run
before the new database exists; every later step runs inside it, after schema, regions and shapes.
"""

from __future__ import annotations

from collections.abc import Callable

from etl import faults
from etl.context import BuildContext, StepResult
from etl.dictionary import dictionary_step
from etl.imports import step as imports
from etl.metrics import metrics_step
from etl.sources import boundaries, broadband, demo, press, pvog, reference, register

Step = Callable[[BuildContext], list[StepResult]]

# (label, entry point): the register and the boundaries every other step hangs on
GEOGRAPHY: list[tuple[str, Step]] = [
    ("Verzeichnisse", register.load),
    ("Grenzen", boundaries.load),
]

# (label shown while it runs, entry point), inside the new database
STEPS: list[tuple[str, Step]] = [
    # reference data and imports go first: the demo step leaves out regions with real values
    ("Referenzdaten", reference.load),
    ("Pressefakten", press.load),
    ("Breitbandatlas", broadband.load),
    ("Open-PVOG", pvog.load),
    ("Importe", imports.load),
    ("Demodaten", demo.load),
    ("Kennzahlen", metrics_step),
    ("Datenlexikon", dictionary_step),
]

# label -> the checkpoint of etl/faults.py a build reaches when that step is done (tests/test_faults_etl.py
# kills builds there and checks that a build reaches every declared checkpoint)
CHECKPOINT_AFTER: dict[str, str] = {
    "Verzeichnisse": "register",
    "Importe": "imports",
    "Kennzahlen": "metrics",
}

_labels = {label for label, _ in (*GEOGRAPHY, *STEPS)}
if not set(CHECKPOINT_AFTER) <= _labels or not set(CHECKPOINT_AFTER.values()) <= set(faults.CHECKPOINTS):
    raise RuntimeError(f"CHECKPOINT_AFTER names an unknown step or checkpoint: {CHECKPOINT_AFTER}")


def run(ctx: BuildContext, declared: list[tuple[str, Step]], announce: bool = True) -> None:
    """Run steps in order, collecting their results in the context, and pass each step's checkpoint."""
    for label, step in declared:
        if announce:
            ctx.progress(label)
        ctx.results.extend(step(ctx))
        if label in CHECKPOINT_AFTER:
            faults.checkpoint(CHECKPOINT_AFTER[label])
