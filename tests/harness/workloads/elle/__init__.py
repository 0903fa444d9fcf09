"""Elle's machinery, shared by the txn-rw-register and txn-list-append checkers:
``consistency_models`` relates consistency models to the anomalies they rule out, ``cycles``
finds and classifies dependency cycles, and ``graphs`` finds strongly connected components
(which kafka's cycle search uses too)."""
