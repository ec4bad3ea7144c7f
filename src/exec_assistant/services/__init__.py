"""Use cases, one module per job. They depend on the domain and on the ports, nothing else."""
