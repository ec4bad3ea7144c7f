from exec_assistant.cli import run

run()
