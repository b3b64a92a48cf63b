"""Field-test controls: widgets that drive the mock devices (place a card, hold up a code,
inject faults). Mounted only when the kiosk API has a ``field_test`` (mock devices
configured), like a developer dock beside the journey; journey screens never refer to
the mocks themselves."""
