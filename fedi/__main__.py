from fedi.cli import main

main()
