from boundary_core.cli import main

raise SystemExit(main())
