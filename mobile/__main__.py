from mobile.cli import main

raise SystemExit(main())
