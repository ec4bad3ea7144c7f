"""What a deployment costs a month: the usage the product makes (its functions, its workflow's
states, its model calls) priced at the shipped AWS and model prices, for a stack's settings."""
