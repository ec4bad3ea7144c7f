"""The exec-assistant deployment on AWS as a Pulumi program: one component per concern."""
