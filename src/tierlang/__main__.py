from tierlang.cli import run

run()
