from kexpwa.cli import main

main()
