"""`alveole bench`: the app measured side by side with hand-written raw-SQL baselines, in one run.

Not a test suite: it reports ratios (app / baseline) on the same machine, database and data, so
that the numbers say how much the stack (GraphQL, ORM, compartments, audit trail) costs.
"""
