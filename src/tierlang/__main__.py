from tierlang.cli import main

main()
