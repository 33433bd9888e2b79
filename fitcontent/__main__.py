from fitcontent.cli import main

main()
