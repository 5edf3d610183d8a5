"""One module per source, each with the same entry point.

A source module reads its files (found through `ctx.resolver`, see `files.py`), validates them and turns
them into frames. Its entry point is

    def load(ctx: BuildContext) -> list[StepResult]

(`etl.context`): the geography sources (`register` GV100AD, `boundaries` BKG) run before the new database
exists and leave what they read in the context; every other source (`reference` press/ministry facts,
`demo` synthetic data) writes its rows into `ctx.db`. Adding a source = one module here with this entry
point + one line in the step list of `etl/steps.py` (with the faults checkpoint it reaches, if any), and,
for an official dataset, its `SourceSpec` in `registry.ALL_SOURCES` so that `python -m etl sources` lists it.
A bad file raises EtlError naming the file; the build then stops and the published database stays untouched.
"""
