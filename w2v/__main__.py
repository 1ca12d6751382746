from w2v.cli import main

main()
