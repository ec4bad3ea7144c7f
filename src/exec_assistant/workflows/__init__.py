"""The meeting prep workflow: one spec (spec.py), run by DBOS locally or Step Functions on AWS."""
