from tracehound.cli import main

raise SystemExit(main())
