"""The Pulumi program: `pulumi up` in this folder deploys the stack it is pointed at."""

from exec_assistant_infra.program import main

main()
