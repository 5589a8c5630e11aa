"""The application: settings (every integration's section and opsbot's own), the integration units, the composition
root (wiring: everything built once, in dependency order), `opsbot check`, and the command line."""
