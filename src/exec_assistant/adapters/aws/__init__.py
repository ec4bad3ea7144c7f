"""The AWS adapters: DynamoDB, S3, Secrets Manager, Step Functions, EventBridge, Scheduler."""
