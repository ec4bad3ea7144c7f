"""The meeting prep workflow: one spec (spec.py), interpreted on DBOS (dbos_engine.py); the
Step Functions rendering for AWS is to be built from the same spec."""
