"""The policy pack: `pulumi preview --policy-pack infra/policy` (or `pulumi up`) refuses a
deployment that breaks any of its rules."""

from pulumi_policy import PolicyPack

from exec_assistant_policies.pack import ENFORCEMENT, PACK_NAME, policies

PolicyPack(name=PACK_NAME, policies=policies(), enforcement_level=ENFORCEMENT)
