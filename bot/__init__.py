"""lagbot wiring: settings, database, i18n, application factory and command line."""
