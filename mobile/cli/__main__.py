from mobile.cli.main import main

raise SystemExit(main())
